package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchivePartitions;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which table months an archive run works on: every attached partition older than the
 * cut-off month that the ledger has not seen, every month the ledger holds in an
 * archiving state, whatever its age, so that an interrupted month resumes, and the
 * restored months older than the cut-off that the run was asked to archive again.
 */
final class ArchivePlan {

	/** The partitioned tables the archive moves, in the order it moves them. */
	static final List<ArchiveTable> TABLES = List.of(ArchiveTable.HEALTH_READING, ArchiveTable.HEALTH_SCORE);

	private static final Logger logger = LoggerFactory.getLogger(ArchivePlan.class);

	private ArchivePlan() {
	}

	/**
	 * Returns the first month that stays in PostgreSQL.
	 * @param before the {@code --before} month, or null for the hot window
	 * @param hotMonths complete months kept before the current one
	 * @param now the run's scheduled time, or the clock's time
	 * @return the cut-off: months before it are archived
	 */
	static YearMonth cutOff(String before, int hotMonths, Instant now) {
		YearMonth current = YearMonth.from(now.atOffset(ZoneOffset.UTC));
		YearMonth cutOff = (before != null) ? YearMonth.parse(before) : current.minusMonths(hotMonths);
		if (cutOff.isAfter(current)) {
			throw new IllegalArgumentException("Invalid --before=" + before + ": it is after the current month "
					+ current + ", whose partition is still being written");
		}
		return cutOff;
	}

	/**
	 * Returns the cut-off of a run from its job parameters, as
	 * {@link #cutOff(String, int, Instant, Instant)}.
	 * @param before the {@code before} parameter, or null
	 * @param hotMonths the {@code hot-months} parameter, or null for the properties'
	 * @param scheduledTime the {@code scheduled-time} parameter, or null for the clock's
	 * @param properties the archive's settings
	 * @param now the clock's time
	 * @return the cut-off: months before it are archived
	 */
	static YearMonth cutOff(String before, String hotMonths, String scheduledTime, ArchiveProperties properties,
			Instant now) {
		return cutOff(before, (hotMonths != null) ? Integer.parseInt(hotMonths) : properties.hotMonths(),
				(scheduledTime != null) ? Instant.parse(scheduledTime) : now, now);
	}

	/**
	 * Returns the first month that stays in PostgreSQL, as
	 * {@link #cutOff(String, int, Instant)} at the run's scheduled time, refused when it
	 * is after the clock's current month: a scheduled time in the future (a typo, a wrong
	 * clock upstream) would otherwise archive and detach the partitions the app is still
	 * writing.
	 * @param before the {@code --before} month, or null for the hot window
	 * @param hotMonths complete months kept before the current one
	 * @param scheduled the run's scheduled time, or the clock's time
	 * @param now the clock's time
	 * @return the cut-off: months before it are archived
	 */
	static YearMonth cutOff(String before, int hotMonths, Instant scheduled, Instant now) {
		YearMonth cutOff = cutOff(before, hotMonths, scheduled);
		YearMonth current = YearMonth.from(now.atOffset(ZoneOffset.UTC));
		if (cutOff.isAfter(current)) {
			throw new IllegalArgumentException("Cannot archive the months before " + cutOff + " at the scheduled time "
					+ scheduled + ": the current month is " + current
					+ ", whose partition is still being written; give a scheduled time that has come");
		}
		return cutOff;
	}

	/**
	 * Lists the months to work on, by month then table, and logs the attached months
	 * older than the cut-off that it leaves alone.
	 * @param connection the connection
	 * @param cutOff months before it are archived
	 * @param again restored months to archive again ({@code --rearchive}); a restored
	 * month not in it is left in PostgreSQL
	 * @param jobExecutionId the job execution, for the log
	 * @return the table months
	 */
	static List<TableMonth> plan(Connection connection, YearMonth cutOff, Set<YearMonth> again, long jobExecutionId)
			throws SQLException {
		List<TableMonth> plan = new ArrayList<>();
		for (Candidate candidate : candidates(connection, cutOff, again)) {
			TableMonth month = candidate.month();
			ArchiveLedgerEntry entry = candidate.entry();
			switch (candidate.take()) {
				case FIRST, RESUME, AGAIN -> plan.add(month);
				case LEFT_RESTORED -> logger.info(
						"Job execution {}: left {} in PostgreSQL: restored at {};"
								+ " run archive --rearchive={} archives it again",
						jobExecutionId, month.partitionName(), entry.restoredAt(), month.month());
				case LEFT_INCONSISTENT -> logger.warn(
						"Job execution {}: skipped {}: attached although the ledger says {};"
								+ " delete its ledger row to archive it again",
						jobExecutionId, month.partitionName(), entry.state());
			}
		}
		logger.info("Job execution {}: archiving months before {}: {}", jobExecutionId, cutOff, plan);
		return List.copyOf(plan);
	}

	/**
	 * Lists every month a run takes, and the attached months older than the cut-off that
	 * it leaves alone, by month then table, each with its ledger entry.
	 * @param connection the connection
	 * @param cutOff months before it are archived
	 * @param again restored months to archive again ({@code --rearchive})
	 * @return the months
	 */
	static List<Candidate> candidates(Connection connection, YearMonth cutOff, Set<YearMonth> again)
			throws SQLException {
		Map<TableMonth, ArchiveLedgerEntry> ledger = new ArchiveLedger().entries(connection)
			.stream()
			.collect(Collectors.toMap((entry) -> new TableMonth(entry.table(), entry.month()), Function.identity()));
		TreeMap<TableMonth, Candidate> candidates = new TreeMap<>();
		ledger.forEach((month, entry) -> {
			if (entry.state().archiving()) {
				candidates.put(month, new Candidate(month, entry, Take.RESUME));
			}
		});
		ArchivePartitions partitions = new ArchivePartitions();
		for (ArchiveTable table : TABLES) {
			for (YearMonth month : partitions.attachedMonths(connection, table)) {
				TableMonth candidate = new TableMonth(table, month);
				ArchiveLedgerEntry entry = ledger.get(candidate);
				if (!month.isBefore(cutOff) || candidates.containsKey(candidate)) {
					continue;
				}
				Take take;
				if (entry == null) {
					take = Take.FIRST;
				}
				else if (entry.state() == ArchiveState.RESTORED) {
					take = again.contains(month) ? Take.AGAIN : Take.LEFT_RESTORED;
				}
				else {
					take = Take.LEFT_INCONSISTENT;
				}
				candidates.put(candidate, new Candidate(candidate, entry, take));
			}
		}
		return List.copyOf(candidates.values());
	}

	/** Whether a run takes a month, and why. */
	enum Take {

		/** Older than the cut-off, never archived. */
		FIRST,

		/** The ledger holds it in an archiving state, whatever its age. */
		RESUME,

		/** Restored, and named by {@code --rearchive}. */
		AGAIN,

		/** Restored, not named by {@code --rearchive}: left in PostgreSQL. */
		LEFT_RESTORED,

		/** Attached although the ledger says it left PostgreSQL: left alone. */
		LEFT_INCONSISTENT;

		/** Whether the run works on the month. */
		boolean taken() {
			return this == FIRST || this == RESUME || this == AGAIN;
		}

	}

	/**
	 * A month a run considers.
	 *
	 * @param month the table month
	 * @param entry its ledger entry, or null when it was never archived
	 * @param take whether the run takes it, and why
	 */
	record Candidate(TableMonth month, ArchiveLedgerEntry entry, Take take) {

	}

	/**
	 * One month of one table.
	 *
	 * @param table the table
	 * @param month the month
	 */
	record TableMonth(ArchiveTable table, YearMonth month) implements Comparable<TableMonth> {

		private static final Comparator<TableMonth> ORDER = Comparator.comparing(TableMonth::month)
			.thenComparing(TableMonth::table);

		@Override
		public int compareTo(TableMonth other) {
			return ORDER.compare(this, other);
		}

		/** The name of the month's partition. */
		String partitionName() {
			return this.table.partitionName(this.month);
		}

		@Override
		public String toString() {
			return this.table.tableName() + " " + this.month;
		}

	}

}
