package dev.healthscore.infra;

import java.util.List;

/**
 * The archived tables' schemas, as the Glue catalogue declares them; kept in step with
 * the Athena DDL in {@code sql/athena/}.
 */
public final class AthenaTables {

	/** Raw readings, one row per reading; timestamps are UTC instants. */
	public static final TableSpec HEALTH_READING = new TableSpec("health_reading",
			"Archived health readings, one Parquet prefix per UTC month of recorded_at",
			List.of(new ColumnSpec("user_id", "bigint"), new ColumnSpec("metric", "string"),
					new ColumnSpec("recorded_at", "timestamp"), new ColumnSpec("recorded_at_micros", "bigint"),
					new ColumnSpec("value", "double"), new ColumnSpec("source", "string"),
					new ColumnSpec("ingested_at", "timestamp"), new ColumnSpec("ingested_at_micros", "bigint")));

	/** Daily scores, one row per user and local date. */
	public static final TableSpec HEALTH_SCORE = new TableSpec("health_score",
			"Archived daily health scores, one Parquet prefix per month of score_date",
			List.of(new ColumnSpec("user_id", "bigint"), new ColumnSpec("score_date", "date"),
					new ColumnSpec("score", "int"), new ColumnSpec("activity_score", "int"),
					new ColumnSpec("sleep_score", "int"), new ColumnSpec("heart_score", "int"),
					new ColumnSpec("completeness", "float"), new ColumnSpec("algorithm_version", "int"),
					new ColumnSpec("inputs_as_of", "timestamp"), new ColumnSpec("inputs_as_of_micros", "bigint"),
					new ColumnSpec("computed_at", "timestamp"), new ColumnSpec("computed_at_micros", "bigint"),
					new ColumnSpec("input_count", "int"), new ColumnSpec("input_hash", "bigint"),
					new ColumnSpec("row_hash", "bigint")));

	/**
	 * The snapshot of each user's time zone and step goal that archived scores are joined
	 * with (replaced by every archive run): not partitioned.
	 */
	public static final TableSpec APP_USER = new TableSpec("app_user", "Users at the time of the latest archive run",
			List.of(new ColumnSpec("user_id", "bigint"), new ColumnSpec("time_zone", "string"),
					new ColumnSpec("daily_step_goal", "int")),
			false);

	/** Every archived table. */
	public static final List<TableSpec> ALL = List.of(HEALTH_READING, HEALTH_SCORE, APP_USER);

	/** First month partition projection offers; older months do not exist. */
	public static final String PROJECTION_FIRST_MONTH = "2015-01";

	private AthenaTables() {
	}

}
