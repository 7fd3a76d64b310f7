package dev.healthscore.io.archive;

import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

import dev.healthscore.io.s3.S3Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Lists, reads and deletes the data files of an archive folder.
 */
final class ArchiveObjects {

	private static final Logger logger = LoggerFactory.getLogger(ArchiveObjects.class);

	/**
	 * S3's answers to a listing of uploads that are not about the listing itself: the
	 * bucket does not exist, or the credentials are not accepted at all.
	 */
	private static final Set<String> NOT_THE_LISTING = Set.of("NoSuchBucket", "InvalidAccessKeyId",
			"SignatureDoesNotMatch", "ExpiredToken", "InvalidToken");

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
			.filter((object) -> isDataFileIn(folder, object.key()))
			.sorted(Comparator.comparing(S3Object::key))
			.toList();
	}

	/**
	 * Whether a key, listed under a folder's prefix, is a data file directly in it, as
	 * Athena reads them.
	 */
	private static boolean isDataFileIn(S3Location folder, String key) {
		return key.endsWith(ArchiveLayout.DATA_FILE_SUFFIX) && key.indexOf('/', folder.key().length()) < 0;
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

	/**
	 * Aborts the unfinished multipart uploads of data files directly in a folder: those
	 * of an export that died (killed, its node lost) before it could abort them, which S3
	 * keeps, and bills, until someone aborts them. Called before a month is exported
	 * again, under the month's lock, so no live export of the folder is writing. Best
	 * effort: where the bucket does not let the caller list its uploads (a role without
	 * {@code s3:ListBucketMultipartUploads}, or a store without the call) it warns and
	 * leaves them to the bucket's lifecycle rule; a bucket that does not exist, or
	 * credentials S3 does not accept, fail the call, as they would fail every write.
	 * @param folder the folder
	 * @return how many uploads were aborted
	 */
	int abortUnfinishedUploads(S3Location folder) {
		List<MultipartUpload> uploads;
		try {
			uploads = this.s3
				.listMultipartUploadsPaginator((request) -> request.bucket(folder.bucket()).prefix(folder.key()))
				.uploads()
				.stream()
				.filter((upload) -> isDataFileIn(folder, upload.key()))
				.toList();
		}
		catch (S3Exception ex) {
			String code = (ex.awsErrorDetails() != null) ? ex.awsErrorDetails().errorCode() : null;
			if (code != null && NOT_THE_LISTING.contains(code)) {
				// no write to this bucket can succeed either: say so now, not after a
				// month was read out of PostgreSQL, and not as a matter of lifecycle
				// rules
				throw ex;
			}
			logger.warn(
					"Cannot list the unfinished multipart uploads under {} ({} {}): an upload left by an export"
							+ " that died stays until the bucket's lifecycle rule aborts it",
					folder.uri(), ex.statusCode(),
					(ex.awsErrorDetails() != null) ? ex.awsErrorDetails().errorCode() : ex.getMessage());
			return 0;
		}
		int aborted = 0;
		for (MultipartUpload upload : uploads) {
			try {
				this.s3.abortMultipartUpload(
						(request) -> request.bucket(folder.bucket()).key(upload.key()).uploadId(upload.uploadId()));
				logger.info("Aborted the unfinished multipart upload of s3://{}/{} started {}, left by an export"
						+ " that did not finish", folder.bucket(), upload.key(), upload.initiated());
				aborted++;
			}
			catch (S3Exception ex) {
				logger.warn(
						"Cannot abort the unfinished multipart upload of s3://{}/{} started {} ({} {}): it stays"
								+ " until the bucket's lifecycle rule aborts it",
						folder.bucket(), upload.key(), upload.initiated(), ex.statusCode(),
						(ex.awsErrorDetails() != null) ? ex.awsErrorDetails().errorCode() : ex.getMessage());
			}
		}
		return aborted;
	}

}
