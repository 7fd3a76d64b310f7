package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import dev.healthscore.io.Durations;
import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchivePartitions;
import dev.healthscore.io.archive.ArchivePartitions.TableSize;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.jdbc.ReadOnlyTransaction;
import dev.healthscore.jobs.archive.ArchivePlan.Candidate;
import dev.healthscore.jobs.archive.DefaultPartitionRows.Finding;
import dev.healthscore.jobs.archive.MonthStep.Kind;
import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.JobRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * {@code run archive --dry-run}: refuses what the run would refuse, then prints (and
 * logs) what a run with the same options would do to each table month, decided as the run
 * decides ({@link ArchivePlan#candidates}, {@link MonthStep}), with each partition's
 * size, and the rows of archived months that lie in a {@code DEFAULT} partition, outside
 * the archive ({@link DefaultPartitionRows}: a detached month with such rows is kept, not
 * dropped, as the run keeps it). It changes nothing: it reads the ledger and the
 * catalogue in a read-only transaction, never speaks to S3, takes no lock, and starts no
 * job execution, so that {@code status} and the next run (a schedule's firing) know
 * nothing of it.
 */
@Component
public class ArchiveDryRun {

	private static final Logger logger = LoggerFactory.getLogger(ArchiveDryRun.class);

	private static final double MIB = 1024.0 * 1024.0;

	private final DataSource dataSource;

	private final JobRunner jobRunner;

	private final ArchiveProperties properties;

	private final ArchiveSettings settings;

	private final Clock clock;

	private final ArchiveLedger ledger = new ArchiveLedger();

	private final ArchivePartitions partitions = new ArchivePartitions();

	public ArchiveDryRun(DataSource dataSource, JobRunner jobRunner, ArchiveProperties properties,
			ArchiveSettings archiveSettings, ObjectProvider<Clock> clock) {
		this.dataSource = dataSource;
		this.jobRunner = jobRunner;
		this.properties = properties;
		this.settings = archiveSettings;
		this.clock = clock.getIfAvailable(Clock::systemUTC);
	}

	/**
	 * Returns whether a run asks for an archive dry run (reconcile's {@code --dry-run} is
	 * a parameter of its job).
	 * @param job the job's name
	 * @param parameters the parameters its {@link dev.healthscore.jobs.cli.JobOptions}
	 * made
	 * @return true for {@code run archive --dry-run}
	 */
	public static boolean requested(String job, Map<String, String> parameters) {
		return ArchiveJobConfiguration.JOB_NAME.equals(job) && "true".equals(parameters.get(ArchiveOptions.DRY_RUN));
	}

	/**
	 * Prints the plan of a run.
	 * @param parameters the parameters {@link ArchiveOptions} made, {@code dry-run} among
	 * them
	 * @return {@link ExitCode#COMPLETED}
	 * @throws dev.healthscore.jobs.cli.UsageException when the run would be refused
	 */
	public ExitCode run(Map<String, String> parameters) throws SQLException {
		Map<String, String> run = new LinkedHashMap<>(parameters);
		run.remove(ArchiveOptions.DRY_RUN);
		// refused what the run is refused, its S3 client's settings and sort directory
		// included (ArchiveStoragePrecondition makes the client; it is sent no request)
		this.jobRunner.check(ArchiveJobConfiguration.JOB_NAME, run);
		Instant now = this.clock.instant();
		YearMonth cutOff = ArchivePlan.cutOff(run.get("before"), run.get("hot-months"),
				run.get(ArchiveOptions.SCHEDULED_TIME), this.properties, now);
		Set<YearMonth> again = ArchiveOptions.rearchiveParameter(run.get(ArchiveOptions.REARCHIVE));
		List<String> lines = ReadOnlyTransaction.run(this.dataSource,
				(connection) -> plan(connection, cutOff, again, now));
		lines.forEach((line) -> {
			System.out.println(line);
			logger.info(line);
		});
		return ExitCode.COMPLETED;
	}

	private List<String> plan(Connection connection, YearMonth cutOff, Set<YearMonth> again, Instant now)
			throws SQLException {
		List<String> lines = new ArrayList<>();
		lines.add(String.format(Locale.ROOT,
				"Archive dry run at %s: the months before %s, and those in progress, to s3://%s/%s (grace period %s);"
						+ " nothing is changed",
				now, cutOff, this.settings.bucket(), this.settings.prefix(),
				Durations.format(this.properties.gracePeriod())));
		String users = ArchiveTable.APP_USER.tableName();
		lines.add("  app_user snapshot: replace it (export and verify every user); "
				+ describe(users, this.partitions.size(connection, users)));
		Tally tally = new Tally();
		List<Candidate> candidates = ArchivePlan.candidates(connection, cutOff, again);
		List<Finding> outside = new DefaultPartitionRows().find(connection, cutOff);
		for (Candidate candidate : candidates) {
			lines.add(line(connection, candidate, again.contains(candidate.month().month()), now, tally,
					held(outside, candidate)));
		}
		outside.forEach((finding) -> lines.add("  outside the archive: " + finding.advice()));
		lines.add(String.format(Locale.ROOT,
				"Archive dry run: %d table months: %d to export, %d to verify, %d to detach, %d to drop,"
						+ " %d kept detached, %d skipped; about %.1f MiB to export, and the app_user snapshot;%s"
						+ " nothing was changed",
				candidates.size(), tally.steps(Kind.EXPORT), tally.steps(Kind.VERIFY), tally.steps(Kind.DETACH),
				tally.steps(Kind.DROP), tally.steps(Kind.KEEP), tally.skipped, tally.exportBytes / MIB,
				outside.isEmpty() ? ""
						: String.format(Locale.ROOT,
								" %d rows in DEFAULT partitions outside the archive, which the run would warn of;",
								outside.stream().mapToLong(Finding::rows).sum())));
		return lines;
	}

	/**
	 * Returns the rows of a detached month in a default partition, which hold its drop,
	 * or null. A month the run would detach has none: PostgreSQL keeps them out while its
	 * partition is attached.
	 */
	private static Finding held(List<Finding> outside, Candidate candidate) {
		return outside.stream()
			.filter((finding) -> finding.table() == candidate.month().table()
					&& finding.month().equals(candidate.month().month()) && finding.state() == ArchiveState.DETACHED)
			.findFirst()
			.orElse(null);
	}

	/**
	 * Says what the run would do to a month, and counts it.
	 * @param held the month's rows in a default partition, which hold its drop, or null
	 */
	private String line(Connection connection, Candidate candidate, boolean again, Instant now, Tally tally,
			Finding held) throws SQLException {
		ArchivePlan.TableMonth month = candidate.month();
		ArchiveLedgerEntry entry = candidate.entry();
		TableSize size = this.partitions.size(connection, month.partitionName());
		String action;
		String ends;
		if (!candidate.take().taken()) {
			action = left(candidate);
			ends = entry.state().name();
			tally.skipped++;
		}
		else {
			List<MonthStep> steps = new ArrayList<>(MonthStep.steps(entry, again, now, this.properties.gracePeriod()));
			MonthStep last = steps.get(steps.size() - 1);
			Finding holding = (last.kind() == Kind.DROP) ? held : null;
			action = action(candidate, steps, holding);
			if (holding != null) {
				// as MonthArchiver holds it, in the transaction that would drop it
				steps.set(steps.size() - 1, new MonthStep(Kind.KEEP, ArchiveState.DETACHED, last.due()));
			}
			ends = steps.get(steps.size() - 1).reaches().name();
			if (this.ledger.lockedElsewhere(connection, month.table(), month.month())) {
				action = "skip: locked by another session (a run or a restore working on it): a run now would"
						+ " pass it over and fail naming it; once it is free: " + action;
				ends = (entry != null) ? entry.state().name() : "not archived";
				tally.skipped++;
			}
			else {
				steps.forEach((step) -> tally.steps.merge(step.kind(), 1, Integer::sum));
				if (size != null && steps.stream().anyMatch((step) -> step.kind() == Kind.EXPORT)) {
					tally.exportBytes += size.bytes();
				}
			}
		}
		return String.format(Locale.ROOT, "  %s %s: %s -> %s; ends %s; %s", month.table().tableName(), month.month(),
				state(entry), action, ends, describe(month.partitionName(), size));
	}

	private static String state(ArchiveLedgerEntry entry) {
		if (entry == null) {
			return "not archived";
		}
		String since = switch (entry.state()) {
			case DETACHED -> " since " + entry.detachedAt();
			case RESTORED -> " since " + entry.restoredAt();
			default -> "";
		};
		return entry.state() + since;
	}

	private static String left(Candidate candidate) {
		ArchiveLedgerEntry entry = candidate.entry();
		return switch (candidate.take()) {
			case LEFT_RESTORED ->
				"skip: restored; run archive --rearchive=%s archives it again".formatted(candidate.month().month());
			case LEFT_INCONSISTENT ->
				"skip: attached although the ledger says %s; delete its ledger row to archive it again"
					.formatted(entry.state());
			default -> throw new IllegalArgumentException("Taken: " + candidate);
		};
	}

	/** Says what the drop step does: drop, or keep when a default partition holds it. */
	private static String drop(MonthStep step, boolean detached, String grace, Finding holding) {
		if (holding != null) {
			return ("keep detached, not dropped: the DEFAULT partition %s holds %d rows of the month (grace period"
					+ " ended at %s)")
				.formatted(holding.defaultPartition(), holding.rows(), step.due());
		}
		return detached ? "verify again and drop (grace period " + grace + ")"
				: "verify again and drop now: the grace period ended at " + step.due();
	}

	/**
	 * Says what the steps do, in the order the run takes them.
	 * @param holding the month's rows in a default partition, which keep its drop from
	 * happening, or null
	 */
	private String action(Candidate candidate, List<MonthStep> steps, Finding holding) {
		String grace = Durations.format(this.properties.gracePeriod());
		List<String> words = new ArrayList<>();
		boolean detached = false;
		for (MonthStep step : steps) {
			switch (step.kind()) {
				case EXPORT -> words.add("export");
				case VERIFY -> words.add("verify");
				case DETACH -> {
					words.add("detach");
					detached = true;
				}
				case DROP -> words.add(drop(step, detached, grace, holding));
				case KEEP -> words.add("keep detached until " + step.due() + " (grace period " + grace + ")");
				case NONE -> words.add("nothing to do");
				case ARCHIVE_AGAIN -> {
					// said by the prefix
				}
			}
		}
		String prefix = switch (candidate.take()) {
			case AGAIN -> "re-archive: ";
			case RESUME -> switch (steps.get(0).kind()) {
				case EXPORT, VERIFY, DETACH -> "resume from " + candidate.entry().state() + ": ";
				default -> "";
			};
			default -> "";
		};
		return prefix + String.join(", ", words);
	}

	private static String describe(String table, TableSize size) {
		if (size == null) {
			return table + ": no such table";
		}
		String rows = switch (size.rowCount()) {
			case ESTIMATED -> String.format(Locale.ROOT, "~%,d rows (estimate: pg_class.reltuples)", size.rows());
			case COUNTED -> String.format(Locale.ROOT, "%,d rows (counted: never analyzed)", size.rows());
			case UNKNOWN -> String.format(Locale.ROOT,
					"rows unknown (never analyzed, and over %.0f MiB to count; ANALYZE %s gives an estimate)",
					ArchivePartitions.COUNT_MAX_BYTES / MIB, table);
		};
		return String.format(Locale.ROOT, "%s: %s, %.1f MiB (pg_total_relation_size)", table, rows, size.bytes() / MIB);
	}

	/** What the plan's months add up to. */
	private static final class Tally {

		private final Map<Kind, Integer> steps = new EnumMap<>(Kind.class);

		private int skipped;

		private long exportBytes;

		int steps(Kind kind) {
			return this.steps.getOrDefault(kind, 0);
		}

	}

}
