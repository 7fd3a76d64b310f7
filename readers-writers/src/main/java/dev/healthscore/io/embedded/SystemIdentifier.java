package dev.healthscore.io.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Gives a stopped PostgreSQL data directory a new system identifier, the one
 * {@code initdb} sets: a copy of a template would otherwise pass for the same cluster as
 * every other copy ({@code pg_control_system()}, which the replica checks compare).
 * Rewrites the identifier in {@code global/pg_control}, with its CRC-32C, and in the long
 * header of each WAL segment that carries the old one, which startup checks against the
 * control file.
 */
final class SystemIdentifier {

	/** The control file's CRC covers the fields before it; it lies within this. */
	private static final int MAX_CRC_OFFSET = 1024;

	/** {@code xlp_sysid} in {@code XLogLongPageHeaderData}, after the 24-byte header. */
	private static final int WAL_SYSID_OFFSET = 24;

	private static final Random RANDOM = new SecureRandom();

	private SystemIdentifier() {
	}

	/** The data directory's system identifier. */
	static long read(Path dataDirectory) throws IOException {
		return ByteBuffer.wrap(Files.readAllBytes(dataDirectory.resolve("global/pg_control")))
			.order(ByteOrder.nativeOrder())
			.getLong(0);
	}

	/**
	 * Writes a new system identifier into the data directory and returns it.
	 * @throws IOException if the control file's layout is not the one expected (no CRC
	 * found) or no WAL segment carries its identifier
	 */
	static long renew(Path dataDirectory) throws IOException {
		Path controlFile = dataDirectory.resolve("global/pg_control");
		byte[] control = Files.readAllBytes(controlFile);
		int crcOffset = crcOffset(control);
		ByteBuffer buffer = ByteBuffer.wrap(control).order(ByteOrder.nativeOrder());
		long old = buffer.getLong(0);
		long fresh = fresh();
		int segments = 0;
		for (Path segment : walSegments(dataDirectory.resolve("pg_wal"))) {
			segments += replace(segment, old, fresh) ? 1 : 0;
		}
		if (segments == 0) {
			throw new IOException("Cannot renew the system identifier of " + dataDirectory
					+ ": no WAL segment carries its identifier " + Long.toUnsignedString(old));
		}
		buffer.putLong(0, fresh);
		buffer.putInt(crcOffset, crc(control, crcOffset));
		Files.write(controlFile, control, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
		return fresh;
	}

	/** As initdb makes one: seconds, microseconds and 12 bits that tell copies apart. */
	private static long fresh() {
		Instant now = Instant.now();
		return (now.getEpochSecond() << 32) | ((long) (now.getNano() / 1000) << 12) | RANDOM.nextInt(1 << 12);
	}

	/**
	 * Where the control file's CRC is: the first 4-byte aligned offset holding the
	 * CRC-32C of the bytes before it (a chance match earlier is one in 2^32 per offset).
	 */
	private static int crcOffset(byte[] control) throws IOException {
		ByteBuffer buffer = ByteBuffer.wrap(control).order(ByteOrder.nativeOrder());
		for (int offset = 16; offset + 4 <= Math.min(control.length, MAX_CRC_OFFSET); offset += 4) {
			if (buffer.getInt(offset) == crc(control, offset)) {
				return offset;
			}
		}
		throw new IOException("Cannot find the CRC of the control file: not the layout expected");
	}

	private static int crc(byte[] bytes, int length) {
		CRC32C crc = new CRC32C();
		crc.update(bytes, 0, length);
		return (int) crc.getValue();
	}

	private static List<Path> walSegments(Path walDirectory) throws IOException {
		try (Stream<Path> files = Files.list(walDirectory)) {
			return files.filter((file) -> file.getFileName().toString().matches("[0-9A-F]{24}")).sorted().toList();
		}
	}

	/**
	 * Replaces the segment's identifier if it is {@code old}; a preallocated segment not
	 * written yet carries none and is left alone.
	 */
	private static boolean replace(Path segment, long old, long fresh) throws IOException {
		try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
			ByteBuffer sysid = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.nativeOrder());
			if (channel.read(sysid, WAL_SYSID_OFFSET) != Long.BYTES || sysid.getLong(0) != old) {
				return false;
			}
			sysid.clear();
			sysid.putLong(0, fresh);
			channel.write(sysid, WAL_SYSID_OFFSET);
			return true;
		}
	}

}
