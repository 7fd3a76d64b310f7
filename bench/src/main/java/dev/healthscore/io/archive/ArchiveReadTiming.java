package dev.healthscore.io.archive;

import java.io.IOException;
import java.io.OutputStream;

import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import dev.healthscore.io.s3.S3Location;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Times what a restore's load does without PostgreSQL: reading a month's files from S3,
 * decoding them, checksumming the rows and encoding them as binary {@code COPY} data,
 * sent nowhere. (In the benchmark module, in the archive's package, because the reader is
 * not public API.)
 */
public final class ArchiveReadTiming {

	private ArchiveReadTiming() {
	}

	/**
	 * Reads a month as {@link PartitionRestorer#load} does, to nowhere.
	 * @param s3 the client
	 * @param manifest the month's manifest
	 * @return the seconds it took
	 */
	public static double time(S3Client s3, ArchiveManifest manifest) throws IOException {
		ArchiveTable table = manifest.archiveTable();
		S3Location folder = S3Location.parse(manifest.location());
		ArchiveObjects objects = new ArchiveObjects(s3);
		RowChecksum checksum = new RowChecksum(table);
		long started = System.nanoTime();
		PgBinaryCopy.Writer writer = new PgBinaryCopy.Writer(OutputStream.nullOutputStream(), table);
		for (ArchiveFile file : manifest.files()) {
			objects.read(table, new S3Location(folder.bucket(), file.key()), file.bytes(), (row) -> {
				writer.write(row);
				checksum.add(row);
			});
		}
		writer.finish();
		if (!checksum.result().equals(manifest.contentChecksum())) {
			throw new IllegalStateException(
					"Read " + checksum.result() + ", the manifest says " + manifest.contentChecksum());
		}
		return (System.nanoTime() - started) / 1e9;
	}

}
