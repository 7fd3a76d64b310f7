package dev.healthscore.jobs.archive;

/**
 * A phase of a restore, as the restore job times and logs it.
 */
public enum RestorePhase {

	/** Creating the empty table a dropped month is loaded into. */
	CREATE,

	/**
	 * Reading the Parquet files from S3, decoding them and sending them by binary COPY.
	 */
	LOAD,

	/** Computing the table's checksum by SQL and comparing it with the archive's. */
	CHECKSUM,

	/**
	 * {@code ATTACH PARTITION}: PostgreSQL builds the parent's indexes on the table (and
	 * would check its rows against the partition bounds, but the table's {@code CHECK}
	 * constraint of the month implies them).
	 */
	ATTACH,

	/** {@code ANALYZE} of a loaded partition, so that the planner has its statistics. */
	ANALYZE

}
