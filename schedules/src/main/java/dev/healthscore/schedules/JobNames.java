package dev.healthscore.schedules;

import java.util.List;

/** Names of the jobs the application runs, as written on its command line. */
public final class JobNames {

	/** Chunked recomputation of daily health scores. */
	public static final String RECOMPUTE = "recompute";

	/** Correction of stored scores that no longer match their inputs. */
	public static final String RECONCILE = "reconcile";

	/** Move of old monthly partitions to S3 as Parquet. */
	public static final String ARCHIVE = "archive";

	/** Return of an archived month from S3 to PostgreSQL. */
	public static final String RESTORE = "restore";

	/** Creation of future monthly partitions. */
	public static final String PARTITIONS = "partitions";

	/** Every job name. */
	public static final List<String> ALL = List.of(RECOMPUTE, RECONCILE, ARCHIVE, RESTORE, PARTITIONS);

	private JobNames() {
	}

}
