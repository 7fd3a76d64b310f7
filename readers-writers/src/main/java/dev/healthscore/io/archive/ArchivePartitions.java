package dev.healthscore.io.archive;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DDL the archive runs on monthly partitions: where a partition stands, detaching
 * (concurrently where PostgreSQL allows it), finishing an interrupted detach, dropping,
 * and creating and attaching a partition to restore into.
 */
public final class ArchivePartitions {

	private static final Logger logger = LoggerFactory.getLogger(ArchivePartitions.class);

	/**
	 * The largest heap ({@code pg_relation_size}) of a table never analyzed that
	 * {@link #size} counts: a few seconds' read at most.
	 */
	public static final long COUNT_MAX_BYTES = 64L * 1024 * 1024;

	/** Where a month's partition stands. */
	public enum Status {

		/** Attached to its parent table. */
		ATTACHED,

		/**
		 * Attached, but a {@code DETACH … CONCURRENTLY} was interrupted: only
		 * {@code FINALIZE} can complete it.
		 */
		DETACH_PENDING,

		/** A table of its own, no longer part of the parent. */
		DETACHED,

		/** No such table. */
		MISSING

	}

	/**
	 * Returns where a month's partition stands.
	 * @param connection the connection
	 * @param table the partitioned table
	 * @param month the month
	 * @return the status
	 */
	public Status status(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		String sql = "SELECT to_regclass(?) IS NOT NULL, (SELECT i.inhdetachpending FROM pg_inherits i"
				+ " WHERE i.inhrelid = to_regclass(?) AND i.inhparent = to_regclass(?))";
		String partition = table.partitionName(month);
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, partition);
			statement.setString(2, partition);
			statement.setString(3, table.tableName());
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				boolean exists = result.getBoolean(1);
				Boolean pending = (Boolean) result.getObject(2);
				if (!exists) {
					return Status.MISSING;
				}
				return (pending == null) ? Status.DETACHED : (pending ? Status.DETACH_PENDING : Status.ATTACHED);
			}
		}
	}

	/**
	 * Returns how big a table is, attached partition or not, from the catalogue: reading
	 * it (a count) would take as long as an export's first pass. A table never analyzed
	 * (nor vacuumed) has no row estimate: one whose heap is at most
	 * {@link #COUNT_MAX_BYTES} is counted, a bigger one's rows are unknown.
	 * @param connection the connection
	 * @param name the table's name
	 * @return its size, or null when there is no such table
	 */
	public TableSize size(Connection connection, String name) throws SQLException {
		return size(connection, name, COUNT_MAX_BYTES);
	}

	TableSize size(Connection connection, String name, long countMaxBytes) throws SQLException {
		String sql = "SELECT c.reltuples, pg_total_relation_size(c.oid), pg_relation_size(c.oid)"
				+ " FROM pg_class c WHERE c.oid = to_regclass(?)";
		float rows;
		long bytes;
		long heapBytes;
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, name);
			try (ResultSet result = statement.executeQuery()) {
				if (!result.next()) {
					return null;
				}
				rows = result.getFloat(1);
				bytes = result.getLong(2);
				heapBytes = result.getLong(3);
			}
		}
		if (rows >= 0) {
			return new TableSize((long) rows, RowCount.ESTIMATED, bytes);
		}
		// never analyzed: the planner would guess from the pages (an empty table's as ten
		// pages of rows); a small table is counted instead, quickly
		if (heapBytes > countMaxBytes) {
			return new TableSize(-1, RowCount.UNKNOWN, bytes);
		}
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT count(*) FROM " + quote(name))) {
			result.next();
			return new TableSize(result.getLong(1), RowCount.COUNTED, bytes);
		}
	}

	private static String quote(String identifier) {
		return '"' + identifier.replace("\"", "\"\"") + '"';
	}

	/** How a table's rows are known. */
	public enum RowCount {

		/**
		 * Estimated: {@code pg_class.reltuples}, as of the last {@code VACUUM} or
		 * {@code ANALYZE}.
		 */
		ESTIMATED,

		/** Counted: the table was never analyzed, and is small enough to count. */
		COUNTED,

		/** Unknown: the table was never analyzed, and is too big to count. */
		UNKNOWN

	}

	/**
	 * A table's size as the catalogue knows it.
	 *
	 * @param rows its rows, as {@code rowCount} says, or -1 when unknown
	 * @param rowCount how they are known
	 * @param bytes its size on disk with its indexes and TOAST
	 * ({@code pg_total_relation_size})
	 */
	public record TableSize(long rows, RowCount rowCount, long bytes) {

	}

	/**
	 * Returns the months whose partitions are attached, in order.
	 * @param connection the connection
	 * @param table the partitioned table
	 * @return the months
	 */
	public List<YearMonth> attachedMonths(Connection connection, ArchiveTable table) throws SQLException {
		Pattern name = Pattern.compile(Pattern.quote(table.tableName()) + "_(\\d{4})_(\\d{2})");
		List<YearMonth> months = new ArrayList<>();
		String sql = "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
				+ " WHERE i.inhparent = to_regclass(?) AND NOT i.inhdetachpending ORDER BY c.relname";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, table.tableName());
			try (ResultSet result = statement.executeQuery()) {
				while (result.next()) {
					Matcher matcher = name.matcher(result.getString(1));
					if (matcher.matches()) {
						months
							.add(YearMonth.of(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))));
					}
				}
			}
		}
		return months;
	}

	/**
	 * Detaches a month's partition: {@code CONCURRENTLY} on an autocommit connection when
	 * the parent has no default partition (PostgreSQL allows it only then), otherwise a
	 * plain {@code DETACH} in the connection's transaction.
	 * @param connection the connection
	 * @param table the partitioned table
	 * @param month the month
	 * @return true when it was detached concurrently
	 */
	public boolean detach(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		boolean concurrently = connection.getAutoCommit() && defaultPartition(connection, table) == null;
		String sql = "ALTER TABLE " + table.tableName() + " DETACH PARTITION " + table.partitionName(month)
				+ (concurrently ? " CONCURRENTLY" : "");
		long started = System.nanoTime();
		execute(connection, sql);
		logger.info("Detached {}{} in {} ms", table.partitionName(month), concurrently ? " concurrently" : "",
				(System.nanoTime() - started) / 1_000_000);
		return concurrently;
	}

	/**
	 * Completes a detach that was interrupted ({@link Status#DETACH_PENDING}); needs an
	 * autocommit connection.
	 * @param connection the connection
	 * @param table the partitioned table
	 * @param month the month
	 */
	public void finishDetach(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		execute(connection,
				"ALTER TABLE " + table.tableName() + " DETACH PARTITION " + table.partitionName(month) + " FINALIZE");
		logger.info("Finished the interrupted detach of {}", table.partitionName(month));
	}

	/**
	 * Makes writers to a month's partition wait until the current transaction ends
	 * ({@code SHARE} lock: reads go on), so that a comparison made now still holds when
	 * the transaction drops it.
	 * @param connection the connection, in a transaction
	 * @param table the partitioned table
	 * @param month the month
	 */
	public void lockAgainstWrites(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		execute(connection, "LOCK TABLE " + table.partitionName(month) + " IN SHARE MODE");
	}

	/**
	 * Drops a month's partition, which should be detached.
	 * @param connection the connection
	 * @param table the partitioned table
	 * @param month the month
	 */
	public void drop(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		execute(connection, "DROP TABLE " + table.partitionName(month));
		logger.info("Dropped {}", table.partitionName(month));
	}

	/**
	 * Creates an empty table with the parent's columns and defaults, named as the month's
	 * partition but not attached, to load a month into before attaching it. It has a
	 * {@code CHECK} constraint of the month's bounds ({@link #boundCheckName}), checked
	 * row by row as the rows arrive, so that {@link #attach} need not read them all again
	 * to check them against the bounds; {@link #attach} drops it.
	 * @param connection the connection
	 * @param table the partitioned table
	 * @param month the month
	 */
	public void createDetached(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		PartitionKey key = partitionKey(connection, table);
		execute(connection,
				"CREATE TABLE " + table.partitionName(month) + " (LIKE " + table.tableName()
						+ " INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CONSTRAINT " + boundCheckName(table, month)
						+ " CHECK (" + key.column() + " >= " + key.bound(month) + " AND " + key.column() + " < "
						+ key.bound(month.plusMonths(1)) + "))");
	}

	/**
	 * Returns the name of the {@code CHECK} constraint of the month's bounds that
	 * {@link #createDetached} gives a table to restore into.
	 * @param table the partitioned table
	 * @param month the month
	 * @return the constraint's name
	 */
	public static String boundCheckName(ArchiveTable table, YearMonth month) {
		return table.partitionName(month) + "_restore_bound";
	}

	/**
	 * Attaches a table as the month's partition, with the bounds
	 * {@code healthscore_ensure_partitions} gives: UTC month starts for
	 * {@code timestamptz} keys, first days of months for {@code date} keys. PostgreSQL
	 * builds the parent's indexes on it, and checks every row against the bounds unless a
	 * {@code CHECK} constraint implies them (as {@link #createDetached}'s does, which is
	 * dropped once attached, and the one a concurrent detach leaves, which is not).
	 * @param connection the connection
	 * @param table the partitioned table
	 * @param month the month
	 */
	public void attach(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		PartitionKey key = partitionKey(connection, table);
		execute(connection, "ALTER TABLE " + table.tableName() + " ATTACH PARTITION " + table.partitionName(month)
				+ " FOR VALUES FROM (" + key.bound(month) + ") TO (" + key.bound(month.plusMonths(1)) + ")");
		execute(connection, "ALTER TABLE " + table.partitionName(month) + " DROP CONSTRAINT IF EXISTS "
				+ boundCheckName(table, month));
		logger.info("Attached {}", table.partitionName(month));
	}

	/**
	 * Collects the statistics of a month's partition ({@code ANALYZE}), in the
	 * connection's transaction.
	 * @param connection the connection
	 * @param table the partitioned table
	 * @param month the month
	 */
	public void analyze(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		execute(connection, "ANALYZE " + table.partitionName(month));
	}

	private static PartitionKey partitionKey(Connection connection, ArchiveTable table) throws SQLException {
		return partitioning(connection, table, "Cannot attach to " + table.tableName() + ": not partitioned").key();
	}

	/**
	 * A partitioned table's key and {@code DEFAULT} partition, in one catalogue query.
	 * @param refusal the message when the table is not partitioned
	 */
	private static Partitioning partitioning(Connection connection, ArchiveTable table, String refusal)
			throws SQLException {
		// the column as SQL names it: it goes into statements and the restore's messages
		String sql = "SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),"
				+ " CASE WHEN p.partdefid <> 0 THEN p.partdefid::regclass::text END FROM pg_partitioned_table p"
				+ " JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]"
				+ " WHERE p.partrelid = to_regclass(?)";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, table.tableName());
			try (ResultSet result = statement.executeQuery()) {
				if (!result.next()) {
					throw new IllegalStateException(refusal);
				}
				return new Partitioning(new PartitionKey(result.getString(1), !"date".equals(result.getString(2))),
						result.getString(3));
			}
		}
	}

	/**
	 * A partitioned table's key, and its {@code DEFAULT} partition's name as SQL names it
	 * (null when it has none).
	 */
	private record Partitioning(PartitionKey key, String defaultPartition) {

	}

	/**
	 * A partitioned table's key column (quoted where SQL needs it), and whether it is a
	 * {@code timestamptz} (else a {@code date}).
	 */
	private record PartitionKey(String column, boolean timestamps) {

		/** The literal of a month's first instant or day, the partition bound. */
		String bound(YearMonth month) {
			return timestamps ? "'" + month.atDay(1) + " 00:00:00+00'::timestamptz" : "'" + month.atDay(1) + "'::date";
		}

		/** The condition that selects a month's rows, with its partition's bounds. */
		String condition(YearMonth month) {
			return column + " >= " + bound(month) + " AND " + column + " < " + bound(month.plusMonths(1));
		}

	}

	/**
	 * Returns the name of the partitioned table's {@code DEFAULT} partition, which
	 * PostgreSQL scans when a partition is attached, and which must then hold no row of
	 * the partition's bounds.
	 * @param connection the connection
	 * @param table the partitioned table
	 * @return the default partition's name as SQL names it (qualified or quoted where
	 * needed), or null when the table has none
	 */
	public String defaultPartition(Connection connection, ArchiveTable table) throws SQLException {
		String sql = "SELECT p.partdefid::regclass::text FROM pg_partitioned_table p"
				+ " WHERE p.partrelid = to_regclass(?) AND p.partdefid <> 0";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, table.tableName());
			try (ResultSet result = statement.executeQuery()) {
				return result.next() ? result.getString(1) : null;
			}
		}
	}

	/**
	 * Returns the partitions of the partitioned table, but the month's own (by its name)
	 * and the {@code DEFAULT} one, whose bounds overlap the month's: PostgreSQL cannot
	 * attach the month's partition beside them. The bounds are read back from the
	 * catalogue ({@code pg_get_expr}, whose literals the same session casts back).
	 * @param connection the connection
	 * @param table the partitioned table
	 * @param month the month
	 * @return their names as SQL names them, in order
	 */
	public List<String> overlapping(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		PartitionKey key = partitionKey(connection, table);
		String type = key.timestamps() ? "timestamptz" : "date";
		String sql = "SELECT c.oid::regclass::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
				+ " CROSS JOIN LATERAL (SELECT substring(b FROM '^FOR VALUES FROM \\((.*)\\) TO \\(') AS lo,"
				+ " substring(b FROM '\\) TO \\((.*)\\)$') AS hi FROM pg_get_expr(c.relpartbound, c.oid) AS b) r"
				+ " WHERE i.inhparent = to_regclass(?) AND c.relname <> ? AND r.lo IS NOT NULL"
				+ " AND CASE WHEN r.hi = 'MAXVALUE' THEN true ELSE CAST(btrim(r.hi, '''') AS " + type + ") > "
				+ key.bound(month) + " END AND CASE WHEN r.lo = 'MINVALUE' THEN true ELSE CAST(btrim(r.lo, '''') AS "
				+ type + ") < " + key.bound(month.plusMonths(1)) + " END ORDER BY 1";
		List<String> names = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, table.tableName());
			statement.setString(2, table.partitionName(month));
			try (ResultSet result = statement.executeQuery()) {
				while (result.next()) {
					names.add(result.getString(1));
				}
			}
		}
		return names;
	}

	/**
	 * Returns the SQL condition that selects a month's rows of the partitioned table by
	 * its key, with the bounds {@link #attach} gives the month's partition, such as
	 * {@code recorded_at >= '2025-01-01 00:00:00+00'::timestamptz AND recorded_at <
	 * '2025-02-01 00:00:00+00'::timestamptz}.
	 * @param connection the connection
	 * @param table the partitioned table
	 * @param month the month
	 * @return the condition
	 */
	public String monthCondition(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		return partitionKey(connection, table).condition(month);
	}

	/**
	 * Counts the rows of the partitioned table's {@code DEFAULT} partition by the month
	 * (UTC for a {@code timestamptz} key) of their partition key, for the months before
	 * {@code before}: the rows PostgreSQL put there because their month had no partition
	 * when they were written (never created, or detached or dropped by the archive).
	 * While a month's partition is attached PostgreSQL keeps the default partition free
	 * of its rows. The months are bounded by a range on the key, which an index of the
	 * default partition on its key serves without reading the rows of later months
	 * (without one, PostgreSQL reads the whole partition). Asks the catalogue once.
	 * @param connection the connection
	 * @param table the partitioned table
	 * @param before the first month not counted
	 * @return the rows of each month, with the default partition's name and the condition
	 * of a month's rows in it; null when the table has no default partition
	 */
	public DefaultRows defaultRowsByMonth(Connection connection, ArchiveTable table, YearMonth before)
			throws SQLException {
		Partitioning partitioning = partitioning(connection, table,
				"Cannot count the rows of " + table.tableName() + "'s DEFAULT partition: it is not partitioned");
		String fallback = partitioning.defaultPartition();
		PartitionKey key = partitioning.key();
		if (fallback == null) {
			return null;
		}
		String month = "to_char(date_trunc('month', "
				+ (key.timestamps() ? "(" + key.column() + " AT TIME ZONE 'UTC')" : key.column() + "::timestamp")
				+ "), 'YYYY-MM')";
		String count = "SELECT " + month + ", count(*) FROM " + fallback + " WHERE " + key.column() + " < "
				+ key.bound(before) + " GROUP BY 1";
		Map<YearMonth, Long> months = new TreeMap<>();
		try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(count)) {
			while (result.next()) {
				months.put(YearMonth.parse(result.getString(1)), result.getLong(2));
			}
		}
		return new DefaultRows(fallback, key, Collections.unmodifiableMap(months));
	}

	/**
	 * The rows of a partitioned table's {@code DEFAULT} partition by month, as
	 * {@link #defaultRowsByMonth} counted them, with what names them in SQL.
	 */
	public static final class DefaultRows {

		private final String partition;

		private final PartitionKey key;

		private final Map<YearMonth, Long> months;

		private DefaultRows(String partition, PartitionKey key, Map<YearMonth, Long> months) {
			this.partition = partition;
			this.key = key;
			this.months = months;
		}

		/**
		 * Returns the default partition's name as SQL names it.
		 * @return the name
		 */
		public String partition() {
			return this.partition;
		}

		/**
		 * Returns the rows of each month, in order.
		 * @return the rows by month, empty when there are none
		 */
		public Map<YearMonth, Long> months() {
			return this.months;
		}

		/**
		 * Returns the condition that selects a month's rows, as
		 * {@link ArchivePartitions#monthCondition} does.
		 * @param month the month
		 * @return the condition
		 */
		public String monthCondition(YearMonth month) {
			return this.key.condition(month);
		}

	}

	/**
	 * Counts the rows of a table, all of them or those matching a condition (by reading
	 * them: for a table whose rows are few, or that is read anyway).
	 * @param connection the connection
	 * @param name the table's name as SQL names it (as {@link #defaultPartition} returns
	 * it, or a partition's name)
	 * @param condition a condition such as {@link #monthCondition}'s, or null for every
	 * row
	 * @return the rows
	 */
	public long count(Connection connection, String name, String condition) throws SQLException {
		String sql = "SELECT count(*) FROM " + name + ((condition != null) ? " WHERE " + condition : "");
		try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
			result.next();
			return result.getLong(1);
		}
	}

	private static void execute(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

}
