package dev.healthscore.io.archive;

import java.time.YearMonth;
import java.util.List;

/**
 * What one export wrote for one table month: its files with their rows, bytes and
 * checksums, the Parquet schema, the source partition and the job execution that made it.
 * Stored as {@code _manifest.json} beside the data files.
 *
 * @param formatVersion the manifest format version, {@value #FORMAT_VERSION}
 * @param table the table name
 * @param month the month ({@code yyyy-MM}), null for tables without partitions
 * @param sourcePartition the PostgreSQL table the rows were read from
 * @param jobExecutionId the Spring Batch job execution id, or null
 * @param createdAt when the export finished (ISO-8601 instant)
 * @param location the folder's {@code s3://} URI
 * @param compression the Parquet compression codec
 * @param schema the Parquet schema, as parquet-java prints it
 * @param rows the number of rows in all files
 * @param checksum the content checksum of all rows ({@link ContentChecksum#checksum()})
 * @param bytes the size of all files
 * @param files the data files in key order
 */
public record ArchiveManifest(int formatVersion, String table, String month, String sourcePartition,
		Long jobExecutionId, String createdAt, String location, String compression, String schema, long rows,
		String checksum, long bytes, List<ArchiveFile> files) {

	/**
	 * The current format version. Version 2 changed the row hash of the checksums from
	 * MD5 to {@code hashtextextended}; a manifest of version 1 is refused, and its month
	 * must be exported again.
	 */
	public static final int FORMAT_VERSION = 2;

	/**
	 * Returns the table as an enum.
	 * @return the archived table
	 */
	public ArchiveTable archiveTable() {
		return ArchiveTable.of(this.table);
	}

	/**
	 * Returns the month, or null for tables without partitions.
	 * @return the month
	 */
	public YearMonth yearMonth() {
		return (this.month != null) ? YearMonth.parse(this.month) : null;
	}

	/**
	 * Returns the row count and checksum.
	 * @return the content checksum
	 */
	public ContentChecksum contentChecksum() {
		return ContentChecksum.of(this.rows, this.checksum);
	}

	/**
	 * One data file of a month.
	 *
	 * @param key the object key
	 * @param rows the number of rows
	 * @param bytes the object size
	 * @param checksum the content checksum of the file's rows
	 * @param sha256 the SHA-256 of the object's bytes, lowercase hex
	 */
	public record ArchiveFile(String key, long rows, long bytes, String checksum, String sha256) {

	}

}
