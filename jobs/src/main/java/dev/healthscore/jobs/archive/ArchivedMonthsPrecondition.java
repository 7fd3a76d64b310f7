package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.jobs.cli.RunPrecondition;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.jobs.recompute.RecomputeJobConfiguration;
import dev.healthscore.jobs.reconcile.ReconcileJobConfiguration;
import dev.healthscore.scoring.ScoringAlgorithm;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.stereotype.Component;

/**
 * Refuses a {@code restore} of a month the archive never took out of PostgreSQL, an
 * {@code archive --rearchive} of a month of which no table is restored, and a
 * {@code recompute} or {@code reconcile} whose days read a month that the archive took,
 * or is taking, out of PostgreSQL: its readings (the days and their baseline lookback) or
 * its scores. Without the readings, the job would score the days as if they had none, and
 * reconcile would delete their scores as orphans or rewrite correct ones; writing scores
 * would create the month's partition again beside its archive, and then its restore would
 * refuse the month.
 *
 * <p>
 * The months are those of the archive ledger in any state but {@code RESTORED}. A day's
 * readings are partitioned by UTC time, and a user's day starts up to 14 hours before or
 * 12 after it does in UTC: a day more on either side is checked.
 */
@Component
class ArchivedMonthsPrecondition implements RunPrecondition {

	private final DataSource dataSource;

	private final int lookbackDays;

	ArchivedMonthsPrecondition(DataSource dataSource, ScoringAlgorithm algorithm) {
		this.dataSource = dataSource;
		this.lookbackDays = algorithm.lookbackDays();
	}

	@Override
	public void check(String job, Map<String, String> parameters) {
		if (RestoreJobConfiguration.JOB_NAME.equals(job)) {
			checkRestore(ArchiveTable.of(parameters.get("table")), YearMonth.parse(parameters.get("month")));
			return;
		}
		if (ArchiveJobConfiguration.JOB_NAME.equals(job)) {
			checkRearchive(ArchiveOptions.rearchiveParameter(parameters.get(ArchiveOptions.REARCHIVE)));
			return;
		}
		if (!RecomputeJobConfiguration.JOB_NAME.equals(job) && !ReconcileJobConfiguration.JOB_NAME.equals(job)) {
			return;
		}
		LocalDate from = LocalDate.parse(parameters.get("from"));
		LocalDate to = LocalDate.parse(parameters.get("to"));
		LocalDate firstRead = from.minusDays(this.lookbackDays + 1L);
		List<ArchiveLedgerEntry> out = new ArrayList<>();
		LocalDate earliestFrom = null;
		for (ArchiveLedgerEntry entry : entries()) {
			if (entry.state() == ArchiveState.RESTORED) {
				continue;
			}
			boolean readings = entry.table() == ArchiveTable.HEALTH_READING
					&& overlaps(entry.month(), firstRead, to.plusDays(1));
			boolean scores = entry.table() == ArchiveTable.HEALTH_SCORE && overlaps(entry.month(), from, to);
			if (readings || scores) {
				out.add(entry);
				LocalDate after = entry.month().plusMonths(1).atDay(1);
				LocalDate first = readings ? after.plusDays(this.lookbackDays + 1L) : after;
				if (earliestFrom == null || first.isAfter(earliestFrom)) {
					earliestFrom = first;
				}
			}
		}
		if (out.isEmpty()) {
			return;
		}
		String months = out.stream()
			.map((entry) -> "%s %s (%s: %s)".formatted(entry.table().tableName(), entry.month(), entry.state(),
					action(entry)))
			.collect(Collectors.joining("; "));
		// a first day after --to is no --from to suggest: the range would be reversed
		String instead = earliestFrom.isAfter(to)
				? ": every day of the range reads them (the first day that reads no archived month is %s)"
					.formatted(earliestFrom)
				: ", or run only days from %s on (--from=%s)".formatted(earliestFrom, earliestFrom);
		throw new UsageException(("Cannot run %s over %s..%s: it reads the readings from %s (the %d-day baseline"
				+ " before %s) and writes the scores of its days, and these months are archived out of PostgreSQL:"
				+ " %s. Restore them first%s; nothing was started")
			.formatted(job, from, to, from.minusDays(this.lookbackDays), this.lookbackDays, from, months, instead));
	}

	/**
	 * Refuses to archive again a month of which no table was restored: the option would
	 * do nothing, and is most likely a mistyped month. A table month counts when it is
	 * {@code RESTORED}, or was restored before and has been archived again since, or is
	 * being so ({@code restored_at} is kept from {@code RESTORED} on, and only an archive
	 * again leads out of it): a run that failed says to run the same command again, and
	 * that command must go on, whichever of its months the failed run (or a run since)
	 * took as far as {@code DROPPED}. A month in its first archive (detached for the
	 * grace period, say) does not count: a mistyped month naming it would leave the
	 * restored month in PostgreSQL unnoticed.
	 */
	private void checkRearchive(Set<YearMonth> months) {
		if (months.isEmpty()) {
			return;
		}
		List<ArchiveLedgerEntry> ledger = entries();
		for (YearMonth month : months) {
			List<String> states = new ArrayList<>();
			boolean restored = false;
			for (ArchiveTable table : ArchivePlan.TABLES) {
				ArchiveLedgerEntry entry = ledger.stream()
					.filter((candidate) -> candidate.table() == table && candidate.month().equals(month))
					.findFirst()
					.orElse(null);
				restored |= entry != null && (entry.state() == ArchiveState.RESTORED || (entry.restoredAt() != null
						&& (entry.state().archiving() || entry.state() == ArchiveState.DROPPED)));
				states.add("%s %s: %s".formatted(table.tableName(), month,
						(entry != null) ? entry.state() : "never archived"));
			}
			if (!restored) {
				throw new UsageException(("Cannot archive %s again (--%s): no table of that month is restored (%s);"
						+ " it takes months that run restore brought back; nothing was started")
					.formatted(month, ArchiveOptions.REARCHIVE, String.join("; ", states)));
			}
		}
	}

	/**
	 * Refuses the restore of a month that the archive never took out of PostgreSQL, and
	 * of one whose rows something else holds now ({@link RestoreObstacles}): no rerun of
	 * it could succeed until the operator moves them.
	 */
	private void checkRestore(ArchiveTable table, YearMonth month) {
		ArchiveLedgerEntry entry;
		String obstacle = null;
		try (Connection connection = this.dataSource.getConnection()) {
			entry = new ArchiveLedger().find(connection, table, month);
			if (entry != null && (entry.state() == ArchiveState.DETACHED || entry.state() == ArchiveState.DROPPED
					|| entry.state() == ArchiveState.RESTORING)) {
				obstacle = new RestoreObstacles().find(connection, table, month, entry.state());
			}
		}
		catch (SQLException ex) {
			throw new DataAccessResourceFailureException(
					"Cannot read the archive ledger or the month's partitions: " + ex.getMessage(), ex);
		}
		if (entry == null) {
			throw new UsageException(("Cannot restore %s %s: the archive ledger has no entry for it, it was never"
					+ " archived (its rows, if it has any, are still in PostgreSQL); nothing was started")
				.formatted(table.tableName(), month));
		}
		if (entry.state().archiving() && entry.state() != ArchiveState.DETACHED) {
			throw new UsageException(("Cannot restore %s %s: it is not archived yet, the ledger says %s (its rows"
					+ " are still in PostgreSQL; restore it once an archive run has detached it); nothing was started")
				.formatted(table.tableName(), month, entry.state()));
		}
		if (obstacle != null) {
			throw new UsageException(
					"Cannot restore %s %s: %s; nothing was started".formatted(table.tableName(), month, obstacle));
		}
	}

	private static String action(ArchiveLedgerEntry entry) {
		return switch (entry.state()) {
			case DETACHED, DROPPED, RESTORING ->
				"run restore --table=%s --month=%s".formatted(entry.table().tableName(), entry.month());
			default -> "being archived; restore it after the archive run that detaches it";
		};
	}

	private static boolean overlaps(YearMonth month, LocalDate first, LocalDate last) {
		return !month.atEndOfMonth().isBefore(first) && !month.atDay(1).isAfter(last);
	}

	private List<ArchiveLedgerEntry> entries() {
		try (Connection connection = this.dataSource.getConnection()) {
			return new ArchiveLedger().entries(connection);
		}
		catch (SQLException ex) {
			throw new DataAccessResourceFailureException("Cannot read the archive ledger: " + ex.getMessage(), ex);
		}
	}

}
