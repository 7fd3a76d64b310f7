package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.YearMonth;
import java.util.List;

import dev.healthscore.io.archive.ArchivePartitions;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds, before a restore changes anything, the rows that stand in its way: those of a
 * table created under the name of a dropped month's partition since it was dropped (a
 * restore would not merge them with the archive's), and those of a partition under
 * another name that covers the month, or of the month in the table's {@code DEFAULT}
 * partition (PostgreSQL cannot attach the month's partition beside them). It says how
 * many there are and how to set them aside, restore, and insert them back.
 */
final class RestoreObstacles {

	private static final Logger logger = LoggerFactory.getLogger(RestoreObstacles.class);

	private final ArchivePartitions partitions = new ArchivePartitions();

	/**
	 * Returns what stands in the way of restoring a month and how to clear it, or null
	 * when nothing does. A table created again under the partition's name is counted
	 * (such a table holds the few rows written since the drop); the default partition is
	 * read for the month's rows, as the restore's {@code ATTACH} reads it anyway.
	 * @param connection the connection
	 * @param table the table
	 * @param month the month
	 * @param state the month's ledger state
	 * @return the reason, starting with what is wrong, or null
	 */
	String find(Connection connection, ArchiveTable table, YearMonth month, ArchiveState state) throws SQLException {
		logger.debug("Looking for what stands in the way of restoring {} ({})", table.partitionName(month), state);
		ArchivePartitions.Status status = this.partitions.status(connection, table, month);
		if (state == ArchiveState.DROPPED && status != ArchivePartitions.Status.MISSING) {
			return recreated(connection, table, month, status);
		}
		// only an attach meets the other partitions
		return (status != ArchivePartitions.Status.ATTACHED) ? besideIt(connection, table, month) : null;
	}

	/** What a table created under the name of a dropped month's partition holds. */
	private String recreated(Connection connection, ArchiveTable table, YearMonth month,
			ArchivePartitions.Status status) throws SQLException {
		String partition = table.partitionName(month);
		String what = (status == ArchivePartitions.Status.DETACHED) ? "a table " + partition + " (not attached)"
				: "a partition " + partition;
		long rows = this.partitions.count(connection, partition, null);
		if (rows == 0) {
			return ("its partition was dropped once archived, and %s was created again since, empty: drop it"
					+ " (DROP TABLE %s;), then %s")
				.formatted(what, partition, restore(table, month));
		}
		return ("its partition was dropped once archived, and %s was created again since and holds %d rows,"
				+ " which a restore does not merge with the archive's. Set them aside, restore, then insert them"
				+ " back: BEGIN; CREATE TABLE %s AS TABLE %s; DROP TABLE %s; COMMIT; then %s; then %s")
			.formatted(what, rows, aside(table, month), partition, partition, restore(table, month),
					insertBack(table, month));
	}

	/**
	 * What a partition under another name that covers the month, or the default
	 * partition, holds of the month: PostgreSQL cannot attach the month's partition
	 * beside either.
	 */
	private String besideIt(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		String partition = table.partitionName(month);
		String aside = aside(table, month);
		String condition = this.partitions.monthCondition(connection, table, month);
		List<String> others = this.partitions.overlapping(connection, table, month);
		if (!others.isEmpty()) {
			String other = others.get(0);
			long rows = this.partitions.count(connection, other, condition);
			return ("a partition %s covers the month too and holds %d rows of it, and PostgreSQL cannot attach %s"
					+ " beside it. Set its rows aside and drop it, restore, then insert them back: BEGIN; CREATE TABLE"
					+ " %s AS TABLE %s; DROP TABLE %s; COMMIT; then %s; then %s; its rows of other months need"
					+ " their partitions first (healthscore_ensure_partitions)")
				.formatted(other, rows, partition, aside, other, other, restore(table, month),
						insertBack(table, month));
		}
		String fallback = this.partitions.defaultPartition(connection, table);
		long rows = (fallback != null) ? this.partitions.count(connection, fallback, condition) : 0;
		if (rows == 0) {
			return null;
		}
		return ("the DEFAULT partition %s holds %d rows of the month, and PostgreSQL cannot attach %s while it does."
				+ " Move them aside, restore, then insert them back: BEGIN; CREATE TABLE %s AS SELECT * FROM %s"
				+ " WHERE %s; DELETE FROM %s WHERE %s; COMMIT; then %s; then %s")
			.formatted(fallback, rows, partition, aside, fallback, condition, fallback, condition,
					restore(table, month), insertBack(table, month));
	}

	static String restore(ArchiveTable table, YearMonth month) {
		return "run restore --table=%s --month=%s".formatted(table.tableName(), month);
	}

	static String aside(ArchiveTable table, YearMonth month) {
		return table.partitionName(month) + "_aside";
	}

	static String insertBack(ArchiveTable table, YearMonth month) {
		String aside = aside(table, month);
		return ("INSERT INTO %s SELECT * FROM %s; DROP TABLE %s; (a row in both, by the primary key, fails the"
				+ " INSERT: delete the copy not to keep first)")
			.formatted(table.tableName(), aside, aside);
	}

}
