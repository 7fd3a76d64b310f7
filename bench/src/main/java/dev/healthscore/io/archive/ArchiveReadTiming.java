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
		return time(s3, manifest, true, true);
	}

	/**
	 * Reads a month's files from S3 and decodes them, to nowhere, with or without what
	 * the restore's load does with each row besides sending it.
	 * @param s3 the client
	 * @param manifest the month's manifest
	 * @param encode whether to encode the rows as binary COPY data
	 * @param checksum whether to checksum the rows (and compare with the manifest)
	 * @return the seconds it took
	 */
	public static double time(S3Client s3, ArchiveManifest manifest, boolean encode, boolean checksum)
			throws IOException {
		ArchiveTable table = manifest.archiveTable();
		S3Location folder = S3Location.parse(manifest.location());
		ArchiveObjects objects = new ArchiveObjects(s3);
		RowChecksum rows = new RowChecksum(table);
		long started = System.nanoTime();
		PgBinaryCopy.Writer writer = new PgBinaryCopy.Writer(OutputStream.nullOutputStream(), table);
		for (ArchiveFile file : manifest.files()) {
			objects.read(table, new S3Location(folder.bucket(), file.key()), file.bytes(), (row) -> {
				if (encode) {
					writer.write(row);
				}
				if (checksum) {
					rows.add(row);
				}
			});
		}
		writer.finish();
		if (checksum && !rows.result().equals(manifest.contentChecksum())) {
			throw new IllegalStateException(
					"Read " + rows.result() + ", the manifest says " + manifest.contentChecksum());
		}
		return (System.nanoTime() - started) / 1e9;
	}

}
