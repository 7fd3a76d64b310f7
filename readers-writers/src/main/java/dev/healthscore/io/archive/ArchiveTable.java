package dev.healthscore.io.archive;

import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import dev.healthscore.io.archive.ArchiveColumn.Type;

import static dev.healthscore.io.archive.ArchiveColumn.optional;
import static dev.healthscore.io.archive.ArchiveColumn.required;

/**
 * The tables the archive knows: their columns, sort order, partition names and Parquet
 * layout (DESIGN.md sections 3 and 6; the Athena DDL in {@code sql/athena/} matches).
 */
public enum ArchiveTable {

	/** Device readings, one partition per UTC month of {@code recorded_at}. */
	HEALTH_READING("health_reading", true, "user_id, recorded_at, metric, source",
			List.of(required("user_id", Type.BIGINT), required("metric", Type.TEXT),
					required("recorded_at", Type.TIMESTAMPTZ), optional("value", Type.FLOAT8),
					required("source", Type.TEXT), required("ingested_at", Type.TIMESTAMPTZ))),

	/**
	 * Daily scores, one partition per month of {@code score_date}, with the fingerprint
	 * of their inputs and their seal ({@code input_count}, {@code input_hash},
	 * {@code row_hash}), which {@code reconcile} compares: a restored score is the row
	 * that was archived, not one that reconcile takes for unscored or tampered with.
	 */
	HEALTH_SCORE("health_score", true, "user_id, score_date",
			List.of(required("user_id", Type.BIGINT), required("score_date", Type.DATE),
					optional("score", Type.SMALLINT), optional("activity_score", Type.SMALLINT),
					optional("sleep_score", Type.SMALLINT), optional("heart_score", Type.SMALLINT),
					required("completeness", Type.FLOAT4), required("algorithm_version", Type.INTEGER),
					required("inputs_as_of", Type.TIMESTAMPTZ), required("computed_at", Type.TIMESTAMPTZ),
					optional("input_count", Type.INTEGER), optional("input_hash", Type.BIGINT),
					optional("row_hash", Type.BIGINT))),

	/**
	 * A snapshot of each user's time zone and goal, not partitioned, replaced at each
	 * export: what analysts join scores with to group by time zone.
	 */
	APP_USER("app_user", false, "user_id",
			List.of(required("user_id", Type.BIGINT), required("time_zone", Type.TEXT),
					required("daily_step_goal", Type.INTEGER))),

	/**
	 * {@code health_score} as archives of manifest format 3 and earlier hold it, without
	 * the fingerprint columns, which those builds left out: only read, to compare and
	 * restore such months ({@link ArchiveManifest#archiveTable()}); a month restored from
	 * them has no fingerprints. {@link #of(String)} never returns it.
	 */
	HEALTH_SCORE_WITHOUT_FINGERPRINTS("health_score", true, "user_id, score_date",
			HEALTH_SCORE.columns.subList(0, HEALTH_SCORE.columns.size() - 3));

	private static final DateTimeFormatter PARTITION_SUFFIX = DateTimeFormatter.ofPattern("yyyy_MM");

	private final String tableName;

	private final boolean partitioned;

	private final String orderBy;

	private final List<ArchiveColumn> columns;

	ArchiveTable(String tableName, boolean partitioned, String orderBy, List<ArchiveColumn> columns) {
		this.tableName = tableName;
		this.partitioned = partitioned;
		this.orderBy = orderBy;
		this.columns = columns;
	}

	/**
	 * Returns the PostgreSQL table name, also the S3 folder and the Athena table name.
	 * @return the table name
	 */
	public String tableName() {
		return this.tableName;
	}

	/**
	 * Returns whether the table has monthly partitions.
	 * @return true for monthly partitioned tables
	 */
	public boolean partitioned() {
		return this.partitioned;
	}

	/**
	 * Returns the columns in PostgreSQL order, which is also the order of row values.
	 * @return the columns
	 */
	public List<ArchiveColumn> columns() {
		return this.columns;
	}

	/**
	 * Returns the complete sort key: rows are exported in this order, so that files are
	 * sorted by user then time and a rerun writes the same bytes.
	 * @return the ORDER BY list
	 */
	public String orderBy() {
		return this.orderBy;
	}

	/**
	 * Returns the leading column of {@link #orderBy()}, {@code user_id}. The exporter
	 * asks PostgreSQL for rows in this order only (a sort on one {@code bigint} after a
	 * sequential scan) and sorts each user's rows by {@link #rowOrderWithinLeadingKey()}
	 * itself, one user's month at a time ({@link GroupSorter}: in memory, or in sorted
	 * runs on disk for a user with more rows than its buffer).
	 * @return the column name
	 */
	public String leadingOrderColumn() {
		return this.orderBy.split(",")[0].trim();
	}

	/**
	 * Returns the order of {@link #orderBy()} over rows in column order. Text compares by
	 * UTF-16 code units, which can differ from the database's collation, but only where
	 * every earlier key is equal; the key is unique, so the order is total and the same
	 * at every run.
	 * @return the comparator
	 */
	public Comparator<Object[]> rowOrder() {
		return order(0);
	}

	/**
	 * Returns {@link #rowOrder()} without its first key: the order of rows that share
	 * their {@link #leadingOrderColumn()}.
	 * @return the comparator
	 */
	public Comparator<Object[]> rowOrderWithinLeadingKey() {
		return order(1);
	}

	private Comparator<Object[]> order(int firstKey) {
		String[] names = this.orderBy.split(",");
		Comparator<Object[]> order = null;
		for (int i = firstKey; i < names.length; i++) {
			int key = columnIndex(names[i].trim());
			Comparator<Object[]> next = switch (this.columns.get(key).type()) {
				// most keys: no call through Comparable
				case BIGINT, TIMESTAMPTZ ->
					(left, right) -> (left[key] instanceof Long l && right[key] instanceof Long r) ? Long.compare(l, r)
							: compare(left[key], right[key]);
				default -> (left, right) -> compare(left[key], right[key]);
			};
			order = (order == null) ? next : order.thenComparing(next);
		}
		return (order != null) ? order : (left, right) -> 0;
	}

	/**
	 * Returns the index of a column in {@link #columns()}.
	 * @param name the column name
	 * @return its index
	 */
	public int columnIndex(String name) {
		for (int i = 0; i < this.columns.size(); i++) {
			if (this.columns.get(i).name().equals(name)) {
				return i;
			}
		}
		throw new IllegalArgumentException("No column " + name + " in " + this.tableName);
	}

	/** Compares two values of a column, nulls last. */
	@SuppressWarnings("unchecked")
	static int compare(Object left, Object right) {
		if (left == null || right == null) {
			return (left == null) ? ((right == null) ? 0 : 1) : -1;
		}
		return ((Comparable<Object>) left).compareTo(right);
	}

	/**
	 * Returns the name of a month's partition, for example
	 * {@code health_reading_2025_01}.
	 * @param month the month
	 * @return the partition's table name
	 */
	public String partitionName(YearMonth month) {
		if (!this.partitioned) {
			throw new IllegalArgumentException(
					"Cannot name a partition of " + this.tableName + ": it is not partitioned");
		}
		return this.tableName + "_" + month.format(PARTITION_SUFFIX);
	}

	/**
	 * Returns the comma-separated column names.
	 * @return the column list
	 */
	public String columnList() {
		return this.columns.stream().map(ArchiveColumn::name).collect(Collectors.joining(", "));
	}

	/**
	 * Returns the table for a PostgreSQL table name.
	 * @param tableName the name
	 * @return the table
	 */
	public static ArchiveTable of(String tableName) {
		for (ArchiveTable table : values()) {
			if (table.tableName.equals(tableName)) {
				return table;
			}
		}
		throw new IllegalArgumentException("Unknown archive table: " + tableName);
	}

}
