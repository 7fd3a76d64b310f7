package dev.healthscore.infra;

import java.util.List;

/**
 * The archived tables' schemas, as the Glue catalogue declares them; kept in step with
 * the Athena DDL in {@code sql/athena/}.
 */
public final class AthenaTables {

	/** Raw readings, one row per reading; timestamps are UTC instants. */
	public static final TableSpec HEALTH_READING = new TableSpec("health_reading",
			"health_reading partitions moved out of PostgreSQL by the archive job",
			List.of(new ColumnSpec("user_id", "bigint", "app user id"),
					new ColumnSpec("metric", "string",
							"steps, active_minutes, sleep_minutes, resting_heart_rate, heart_rate"),
					new ColumnSpec("recorded_at", "timestamp", "when measured, UTC, truncated to the millisecond"),
					new ColumnSpec("recorded_at_micros", "bigint",
							"when measured, exact: microseconds since 1970-01-01T00:00Z"),
					new ColumnSpec("value", "double",
							"may be NULL, NaN or infinite: readings are archived as received"),
					new ColumnSpec("source", "string", "device or app that sent the reading"),
					new ColumnSpec("ingested_at", "timestamp", "when received, UTC, truncated to the millisecond"),
					new ColumnSpec("ingested_at_micros", "bigint",
							"when received, exact: microseconds since 1970-01-01T00:00Z")),
			TableSpec.month("UTC month of recorded_at, yyyy-MM"));

	/** Daily scores, one row per user and local date. */
	public static final TableSpec HEALTH_SCORE = new TableSpec("health_score",
			"health_score partitions moved out of PostgreSQL by the archive job",
			List.of(new ColumnSpec("user_id", "bigint", "app user id"),
					new ColumnSpec("score_date", "date", "local day of the user"),
					new ColumnSpec("score", "int", "0..100, NULL when completeness < 0.5"),
					new ColumnSpec("activity_score", "int", "0..100 or NULL"),
					new ColumnSpec("sleep_score", "int", "0..100 or NULL"),
					new ColumnSpec("heart_score", "int", "0..100 or NULL"),
					new ColumnSpec("completeness", "float", "sum of the weights of the components present"),
					new ColumnSpec("algorithm_version", "int", "version of the scoring algorithm"),
					new ColumnSpec("inputs_as_of", "timestamp",
							"inputs complete up to, UTC, truncated to the millisecond"),
					new ColumnSpec("inputs_as_of_micros", "bigint",
							"inputs complete up to, exact: microseconds since 1970-01-01T00:00Z"),
					new ColumnSpec("computed_at", "timestamp", "when computed, UTC, truncated to the millisecond"),
					new ColumnSpec("computed_at_micros", "bigint",
							"when computed, exact: microseconds since 1970-01-01T00:00Z"),
					new ColumnSpec("input_count", "int",
							"valid readings the score depends on (reconcile fingerprint); NULL in files of manifest format 3 and earlier"),
					new ColumnSpec("input_hash", "bigint",
							"hash of those readings and the user profile (reconcile fingerprint)"),
					new ColumnSpec("row_hash", "bigint", "seal of the stored row (reconcile)")),
			TableSpec.month("month of score_date, yyyy-MM"));

	/**
	 * The snapshot of each user's time zone and step goal that archived scores are joined
	 * with (replaced by every archive run): not partitioned.
	 */
	public static final TableSpec APP_USER = new TableSpec("app_user", "users at the time of the latest archive run",
			List.of(new ColumnSpec("user_id", "bigint", "app user id"),
					new ColumnSpec("time_zone", "string", "IANA time zone of the local days of the user"),
					new ColumnSpec("daily_step_goal", "int", "steps that make a full activity score")),
			null);

	/** Every archived table. */
	public static final List<TableSpec> ALL = List.of(HEALTH_READING, HEALTH_SCORE, APP_USER);

	/** First month partition projection offers; older months do not exist. */
	public static final String PROJECTION_FIRST_MONTH = "2015-01";

	private AthenaTables() {
	}

}
