package dev.healthscore.io.archive;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import dev.healthscore.io.s3.S3Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Lists, reads and deletes the data files of an archive folder.
 */
final class ArchiveObjects {

	private static final Logger logger = LoggerFactory.getLogger(ArchiveObjects.class);

	private final S3Client s3;

	ArchiveObjects(S3Client s3) {
		this.s3 = s3;
	}

	/**
	 * Lists the Parquet objects directly in a folder, as Athena will read them.
	 * @param folder the folder
	 * @return the objects in key order
	 */
	List<S3Object> dataFiles(S3Location folder) {
		return this.s3.listObjectsV2Paginator((request) -> request.bucket(folder.bucket()).prefix(folder.key()))
			.contents()
			.stream()
			.filter((object) -> object.key().endsWith(ArchiveLayout.DATA_FILE_SUFFIX))
			.filter((object) -> object.key().indexOf('/', folder.key().length()) < 0)
			.sorted(Comparator.comparing(S3Object::key))
			.toList();
	}

	/**
	 * Reads every row of one data file.
	 * @param table the table the file holds
	 * @param location the object
	 * @param length the object's size
	 * @param rows receives each row
	 * @return the number of rows
	 */
	long read(ArchiveTable table, S3Location location, long length, ArchiveParquetFiles.RowSink rows)
			throws IOException {
		return ArchiveParquetFiles.read(new S3InputFile(this.s3, location, length), table, rows);
	}

	/**
	 * Deletes the data files of a folder that are not in a set, left by an earlier export
	 * that wrote more files.
	 * @param folder the folder
	 * @param keep the keys to keep
	 * @return how many objects were deleted
	 */
	int deleteOthers(S3Location folder, Set<String> keep) {
		int deleted = 0;
		for (S3Object object : dataFiles(folder)) {
			if (!keep.contains(object.key())) {
				this.s3.deleteObject((request) -> request.bucket(folder.bucket()).key(object.key()));
				logger.info("Deleted stale archive file s3://{}/{} ({} bytes)", folder.bucket(), object.key(),
						object.size());
				deleted++;
			}
		}
		return deleted;
	}

}
