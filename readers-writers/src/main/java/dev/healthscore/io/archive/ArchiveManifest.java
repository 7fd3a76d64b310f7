package dev.healthscore.io.archive;

import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one export wrote for one table month: its files with their rows, bytes and
 * checksums, the Parquet schema, the source partition and the job execution that made it.
 * Stored as {@code _manifest.json} beside the data files.
 * <p>
 * The export writes it without content checksums: the writer does not hash the rows it
 * writes. Verification reads every file back, compares it with the source partition's
 * checksum computed by PostgreSQL, and only when they match writes the manifest again,
 * {@linkplain #verified() verified}: with each file's checksum as read back and the
 * month's as PostgreSQL computed it. Restoring needs a verified manifest.
 *
 * @param formatVersion the manifest format version, {@value #FORMAT_VERSION}
 * @param table the table name
 * @param month the month ({@code yyyy-MM}), null for tables without partitions
 * @param sourcePartition the PostgreSQL table the rows were read from
 * @param jobExecutionId the Spring Batch job execution id, or null
 * @param createdAt when the export finished (ISO-8601 instant)
 * @param verifiedAt when the files were read back and matched the source (ISO-8601
 * instant), null until then
 * @param location the folder's {@code s3://} URI
 * @param compression the Parquet compression codec
 * @param schema the Parquet schema, as parquet-java prints it
 * @param rows the number of rows in all files
 * @param checksum the content checksum of all rows ({@link ContentChecksum#checksum()}),
 * null until verified
 * @param bytes the size of all files
 * @param files the data files in key order
 */
public record ArchiveManifest(int formatVersion, String table, String month, String sourcePartition,
		Long jobExecutionId, String createdAt, String verifiedAt, String location, String compression, String schema,
		long rows, String checksum, long bytes, List<ArchiveFile> files) {

	/**
	 * The current format version. Version 2 changed the row hash of the checksums from
	 * MD5 to {@code hashtextextended}; version 3 takes the checksums from verification
	 * instead of from the writer, and adds {@code verifiedAt}; version 4 archives the
	 * fingerprint columns of {@code health_score} too. Manifests of version 1 are
	 * refused, and their months must be exported again.
	 */
	public static final int FORMAT_VERSION = 4;

	/**
	 * The last format version whose {@code health_score} files lack the fingerprint
	 * columns ({@link ArchiveTable#HEALTH_SCORE_WITHOUT_FINGERPRINTS}).
	 */
	public static final int FORMAT_VERSION_WITHOUT_FINGERPRINTS = 3;

	/**
	 * The format version whose checksums the writer computed. They are defined as version
	 * 3's, and a month got past {@code EXPORTED} only after they matched PostgreSQL's, so
	 * such a manifest still reads, as verified (without {@code verifiedAt}).
	 */
	public static final int FORMAT_VERSION_WRITER_CHECKSUMS = 2;

	/**
	 * Returns the table as an enum, with the columns its files hold: a
	 * {@code health_score} month of format version
	 * {@value #FORMAT_VERSION_WITHOUT_FINGERPRINTS} or earlier is
	 * {@link ArchiveTable#HEALTH_SCORE_WITHOUT_FINGERPRINTS}.
	 * @return the archived table
	 */
	public ArchiveTable archiveTable() {
		ArchiveTable archived = ArchiveTable.of(this.table);
		return (archived == ArchiveTable.HEALTH_SCORE && this.formatVersion <= FORMAT_VERSION_WITHOUT_FINGERPRINTS)
				? ArchiveTable.HEALTH_SCORE_WITHOUT_FINGERPRINTS : archived;
	}

	/**
	 * Returns the month, or null for tables without partitions.
	 * @return the month
	 */
	public YearMonth yearMonth() {
		return (this.month != null) ? YearMonth.parse(this.month) : null;
	}

	/**
	 * Returns whether the files were read back and matched the source, so that the
	 * manifest holds checksums.
	 * @return true once verified
	 */
	public boolean verified() {
		return this.checksum != null;
	}

	/**
	 * Returns the row count and checksum.
	 * @return the content checksum, or null until {@link #verified()}
	 */
	public ContentChecksum contentChecksum() {
		return verified() ? ContentChecksum.of(this.rows, this.checksum) : null;
	}

	/**
	 * Returns this manifest with the checksums of a verification that matched.
	 * @param verification the verification: the source's checksum, and each file's as
	 * read back
	 * @param at when it matched
	 * @return the verified manifest
	 * @throws IllegalArgumentException when the verification did not match, or lacks a
	 * file
	 */
	public ArchiveManifest verified(ArchiveVerification verification, Instant at) {
		if (!verification.matches() || verification.expected().rows() != this.rows) {
			throw new IllegalArgumentException("Cannot mark " + this.location + " verified: " + verification.problems()
					+ ", source " + verification.expected() + ", manifest lists " + this.rows + " rows");
		}
		Map<String, ContentChecksum> read = verification.files();
		List<ArchiveFile> checked = new ArrayList<>();
		for (ArchiveFile file : this.files) {
			ContentChecksum content = read.get(file.key());
			if (content == null || content.rows() != file.rows()) {
				throw new IllegalArgumentException("Cannot mark " + file.key() + " verified: read back " + content
						+ ", manifest lists " + file.rows() + " rows");
			}
			checked.add(new ArchiveFile(file.key(), file.rows(), file.bytes(), content.checksum(), file.sha256()));
		}
		return new ArchiveManifest(this.formatVersion, this.table, this.month, this.sourcePartition,
				this.jobExecutionId, this.createdAt, at.toString(), this.location, this.compression, this.schema,
				this.rows, verification.expected().checksum(), this.bytes, List.copyOf(checked));
	}

	/**
	 * One data file of a month.
	 *
	 * @param key the object key
	 * @param rows the number of rows
	 * @param bytes the object size
	 * @param checksum the content checksum of the file's rows as read back, null until
	 * verified
	 * @param sha256 the SHA-256 of the object's bytes, lowercase hex
	 */
	public record ArchiveFile(String key, long rows, long bytes, String checksum, String sha256) {

		/**
		 * Returns the row count and checksum.
		 * @return the content checksum, or null until verified
		 */
		public ContentChecksum contentChecksum() {
			return (this.checksum != null) ? ContentChecksum.of(this.rows, this.checksum) : null;
		}

	}

}
