package dev.healthscore.io.archive;

import java.io.IOException;
import java.util.function.Consumer;

import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import dev.healthscore.io.s3.S3Location;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Reads the rows of an archived month back from S3 with the archive's own Parquet reader,
 * in file order; each row's values are in the table's column order, as
 * {@link ArchiveTable#columns()} lists them (timestamps as microseconds since 1970).
 */
public final class ArchiveReader {

	private final S3Client s3;

	/**
	 * Creates a reader.
	 * @param s3 the client
	 */
	public ArchiveReader(S3Client s3) {
		this.s3 = s3;
	}

	/**
	 * Reads every data file the manifest lists.
	 * @param manifest the month's manifest
	 * @param rows receives each row
	 * @return the number of rows read
	 */
	public long read(ArchiveManifest manifest, Consumer<Object[]> rows) throws IOException {
		S3Location folder = S3Location.parse(manifest.location());
		ArchiveObjects objects = new ArchiveObjects(this.s3);
		long count = 0;
		for (ArchiveFile file : manifest.files()) {
			count += objects.read(manifest.archiveTable(), new S3Location(folder.bucket(), file.key()), file.bytes(),
					rows::accept);
		}
		return count;
	}

}
