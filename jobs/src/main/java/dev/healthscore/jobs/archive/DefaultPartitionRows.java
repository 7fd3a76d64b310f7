package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchivePartitions;
import dev.healthscore.io.archive.ArchivePartitions.DefaultRows;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.jobs.archive.ArchivePlan.TableMonth;
import dev.healthscore.jobs.cli.RunSummary;
import org.slf4j.Logger;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.step.StepContribution;

/**
 * Finds the rows that the {@code DEFAULT} partition of an archived table holds of months
 * the archive took out of PostgreSQL (detached or dropped: a late reading), or should
 * have taken (older than the cut-off, but without a partition of their own): they are in
 * no archive that analysts query, the archive's comparisons (which read the month's own
 * partition) never see them, and they stand in the way of the month's restore. Each
 * finding says how many rows there are and what to do; a run that found any ends
 * {@value RunSummary#COMPLETED_WITH_WARNINGS}.
 */
public final class DefaultPartitionRows {

	private final ArchivePartitions partitions = new ArchivePartitions();

	/**
	 * Returns the table months whose rows lie in a {@code DEFAULT} partition outside the
	 * archive: every month the ledger holds, whatever its state, and the months before
	 * the cut-off that it does not (they have no partition, or their rows would not be in
	 * the default one). Reads each default partition once, for the months before the
	 * later of the cut-off and the month after the ledger's last: with an index on its
	 * key (see {@link ArchivePartitions#defaultRowsByMonth}), not the rows of later
	 * months, which are most of a large default partition's.
	 * @param connection a connection to the primary
	 * @param cutOff the first month an archive run leaves in PostgreSQL, or null to
	 * report the months of the ledger only
	 * @return the findings, by month then table
	 */
	public List<Finding> find(Connection connection, YearMonth cutOff) throws SQLException {
		Map<TableMonth, ArchiveLedgerEntry> ledger = new ArchiveLedger().entries(connection)
			.stream()
			.collect(Collectors.toMap((entry) -> new TableMonth(entry.table(), entry.month()), Function.identity()));
		YearMonth before = cutOff;
		for (TableMonth tableMonth : ledger.keySet()) {
			YearMonth after = tableMonth.month().plusMonths(1);
			if (before == null || after.isAfter(before)) {
				before = after;
			}
		}
		if (before == null) {
			// no ledger and no cut-off: no month to ask about
			return List.of();
		}
		List<Finding> findings = new ArrayList<>();
		for (ArchiveTable table : ArchivePlan.TABLES) {
			DefaultRows defaultRows = this.partitions.defaultRowsByMonth(connection, table, before);
			if (defaultRows == null) {
				continue;
			}
			String fallback = defaultRows.partition();
			for (Map.Entry<YearMonth, Long> rows : defaultRows.months().entrySet()) {
				YearMonth month = rows.getKey();
				ArchiveLedgerEntry entry = ledger.get(new TableMonth(table, month));
				if (entry != null || (cutOff != null && month.isBefore(cutOff))) {
					String condition = defaultRows.monthCondition(month);
					ArchiveState state = (entry != null) ? entry.state() : null;
					findings.add(new Finding(table, month, rows.getValue(), fallback, state,
							advice(table, month, rows.getValue(), fallback, state, condition)));
				}
			}
		}
		findings.sort((one, other) -> new TableMonth(one.table(), one.month())
			.compareTo(new TableMonth(other.table(), other.month())));
		return List.copyOf(findings);
	}

	/**
	 * Finds the rows ({@link #find}) on a connection of its own, logs each finding as a
	 * warning and, when there are any, ends the step
	 * {@value RunSummary#COMPLETED_WITH_WARNINGS}, its exit description listing them:
	 * what the archive and the partitions job do once their own work is done.
	 * @param logger the job's logger
	 * @param dataSource the primary
	 * @param cutOff as {@link #find} takes it
	 * @param contribution the step's contribution, whose exit status a finding sets
	 */
	public void warn(Logger logger, DataSource dataSource, YearMonth cutOff, StepContribution contribution)
			throws SQLException {
		List<Finding> findings;
		try (Connection connection = dataSource.getConnection()) {
			findings = find(connection, cutOff);
		}
		if (findings.isEmpty()) {
			return;
		}
		long jobExecutionId = contribution.getStepExecution().getJobExecutionId();
		findings.forEach((finding) -> logger.warn("Job execution {}: {}", jobExecutionId, finding.advice()));
		long rows = findings.stream().mapToLong(Finding::rows).sum();
		String description = rows + " rows in DEFAULT partitions are outside the archive: "
				+ findings.stream().map(Finding::summary).collect(Collectors.joining("; "))
				+ " (this run's WARN lines say what to do)";
		contribution.setExitStatus(new ExitStatus(RunSummary.COMPLETED_WITH_WARNINGS, description));
	}

	/** Whether the archive took the month's partition out of its table. */
	static boolean takenOut(ArchiveState state) {
		return state == ArchiveState.DETACHED || state == ArchiveState.DROPPED || state == ArchiveState.RESTORING;
	}

	private static String advice(ArchiveTable table, YearMonth month, long rows, String fallback, ArchiveState state,
			String condition) {
		String name = table.tableName();
		String head = "%s %s: the DEFAULT partition %s holds %d rows of the month".formatted(name, month, fallback,
				rows);
		String aside = RestoreObstacles.aside(table, month);
		String moveAside = "CREATE TABLE %s AS SELECT * FROM %s WHERE %s; DELETE FROM %s WHERE %s;".formatted(aside,
				fallback, condition, fallback, condition);
		if (takenOut(state)) {
			String since = (state == ArchiveState.DETACHED)
					? "written since its partition was detached (ledger DETACHED): its partition is kept, not"
							+ " dropped, while they are there"
					: "written since its partition was archived (ledger %s)".formatted(state);
			return ("%s, %s. They are in no archive (the month's comparisons read its own partition), and a restore"
					+ " of the month is refused while they are there. To archive them, move them aside, restore the"
					+ " month, insert them back and archive it again: BEGIN; %s COMMIT; then %s; then %s; then run"
					+ " archive --rearchive=%s. If they are not wanted: DELETE FROM %s WHERE %s;")
				.formatted(head, since, moveAside, RestoreObstacles.restore(table, month),
						RestoreObstacles.insertBack(table, month), month, fallback, condition);
		}
		String ledger = (state != null) ? " (ledger %s)".formatted(state) : "";
		// healthscore_ensure_partitions moves the month's rows out of the default
		// partition into the partition it creates (V10)
		return ("%s, which has no partition%s: the archive does not take them, and they are in no archive. Give the"
				+ " month its partition, which moves them into it (holding %s and %s locked meanwhile), and the"
				+ " next run archives it: SELECT healthscore_ensure_partitions('%s', DATE '%s', DATE '%s');")
			.formatted(head, ledger, name, fallback, name, month.atDay(1), month.atDay(1));
	}

	/**
	 * One table month's rows in a {@code DEFAULT} partition.
	 *
	 * @param table the table
	 * @param month the month
	 * @param rows how many rows of the month the default partition holds
	 * @param defaultPartition the default partition's name
	 * @param state the month's ledger state, or null when the ledger has none
	 * @param advice a line saying what is wrong and what to do, with the SQL
	 */
	public record Finding(ArchiveTable table, YearMonth month, long rows, String defaultPartition, ArchiveState state,
			String advice) {

		/**
		 * Returns the finding in short, such as
		 * {@code health_reading 2024-12: 2 rows in health_reading_default (ledger DROPPED)}.
		 * @return the summary
		 */
		public String summary() {
			return "%s %s: %d rows in %s (%s)".formatted(this.table.tableName(), this.month, this.rows,
					this.defaultPartition,
					(this.state != null) ? "ledger " + this.state : "no partition, not archived");
		}

	}

}
