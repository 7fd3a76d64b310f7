package dev.healthscore.io.archive;

import java.time.Instant;
import java.time.YearMonth;

/**
 * One row of the archive ledger ({@code archive_ledger}): how far the archive of one
 * table month got, where its copy is and what it holds.
 *
 * @param table the table
 * @param month the month
 * @param partitionName the PostgreSQL partition
 * @param state the state
 * @param s3Uri the month's folder, once exported
 * @param fileCount the number of data files, once exported
 * @param rowCount the number of rows, once exported
 * @param checksum the content checksum ({@link ContentChecksum#checksum()}), once
 * verified
 * @param bytes the size of the data files, once exported
 * @param jobExecutionId the job execution that last moved the month
 * @param startedAt when the month's first export started
 * @param updatedAt when the row last changed
 * @param verifiedAt when the copy was last read back and matched
 * @param detachedAt when the partition was detached
 * @param droppedAt when the partition was dropped
 * @param restoredAt when the month was restored
 * @param lastError the last failure, cleared by the next successful step
 */
public record ArchiveLedgerEntry(ArchiveTable table, YearMonth month, String partitionName, ArchiveState state,
		String s3Uri, Integer fileCount, Long rowCount, String checksum, Long bytes, Long jobExecutionId,
		Instant startedAt, Instant updatedAt, Instant verifiedAt, Instant detachedAt, Instant droppedAt,
		Instant restoredAt, String lastError) {

	/**
	 * Returns the row count and checksum recorded at verification.
	 * @return the content checksum, or null before the month was verified
	 */
	public ContentChecksum contentChecksum() {
		return (this.rowCount != null && this.checksum != null) ? ContentChecksum.of(this.rowCount, this.checksum)
				: null;
	}

	@Override
	public String toString() {
		return this.table.tableName() + " " + this.month + " " + this.state;
	}

}
