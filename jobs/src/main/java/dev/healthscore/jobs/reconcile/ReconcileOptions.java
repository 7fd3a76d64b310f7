package dev.healthscore.jobs.reconcile;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.healthscore.jobs.cli.DayRanges;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.JobOptions;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.schedules.ScheduleParameters;
import dev.healthscore.schedules.ScoreDateWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code run reconcile --from=YYYY-MM-DD --to=YYYY-MM-DD [--full] [--dry-run] [--upgrade-version] [--report=path.json]}.
 */
public final class ReconcileOptions implements JobOptions {

	private static final Logger logger = LoggerFactory.getLogger(ReconcileOptions.class);

	/** The flags, as options and as job parameters (set to {@code true} when given). */
	static final List<String> FLAGS = List.of(ReconcileParameters.FULL, ReconcileParameters.DRY_RUN,
			ReconcileParameters.UPGRADE_VERSION);

	@Override
	public String name() {
		return ReconcileJobConfiguration.JOB_NAME;
	}

	@Override
	public List<String> options() {
		return List.of("from", "to", ScheduleParameters.DAYS_BACK, ReconcileParameters.FULL,
				ReconcileParameters.DRY_RUN, ReconcileParameters.UPGRADE_VERSION, ReconcileParameters.REPORT);
	}

	@Override
	public String usage() {
		return """
				run reconcile --from=YYYY-MM-DD --to=YYYY-MM-DD [--full] [--dry-run] [--upgrade-version] [--report=FILE.json]
				    find and correct every inaccurate score of a range of local days, auditing each correction:
				    incremental (what changed since the last reconcile) unless --full (checksums of everything);
				    --upgrade-version also rescores rows of older algorithm versions; --dry-run writes nothing;
				    the range stops at the last day that has ended in every time zone (UTC-12)
				run reconcile --days-back=N [--scheduled-time=INSTANT] [--full] [--dry-run] [--upgrade-version] [--report=FILE.json]
				    the same over the last N days before the scheduled time (the nightly run)""";
	}

	@Override
	public Map<String, String> parameters(Invocation invocation) {
		return parameters(invocation, logger::info);
	}

	/**
	 * Only beside {@code --days-back}: a {@code --from}/{@code --to} range refuses it.
	 */
	@Override
	public boolean takesScheduledTime(Invocation invocation) {
		return invocation.has(ScheduleParameters.DAYS_BACK);
	}

	@Override
	public Map<String, String> parameters(Invocation invocation, Consumer<String> notes) {
		LocalDate from;
		LocalDate to;
		Instant at;
		if (invocation.has(ScheduleParameters.DAYS_BACK)) {
			if (invocation.has("from") || invocation.has("to")) {
				throw new UsageException("Cannot combine --days-back with --from/--to: give one or the other");
			}
			at = invocation.instant(ScheduleParameters.SCHEDULED_TIME, Instant.now());
			ScoreDateWindow window = ScoreDateWindow
				.daysBack(DayRanges.daysBack(invocation, ScheduleParameters.DAYS_BACK), at);
			// a scheduled time ahead of the clock (a typo) must not let days still in
			// progress in some time zone in
			Instant now = Instant.now();
			at = at.isAfter(now) ? now : at;
			from = window.from();
			to = window.to();
		}
		else {
			DayRanges.requireDays(invocation, ScheduleParameters.DAYS_BACK);
			DayRanges.refuseScheduledTime(invocation);
			at = Instant.now();
			from = invocation.date("from");
			to = invocation.date("to");
		}
		if (to.isBefore(from)) {
			throw new UsageException(
					"Invalid range --from=%s --to=%s: --to must not be before --from".formatted(from, to));
		}
		to = endedEverywhere(from, to, at, notes);
		// after lowering --to: a later one stands for "up to the last day that ended"
		DayRanges.check(from, to);
		Map<String, String> parameters = new LinkedHashMap<>();
		parameters.put("from", from.toString());
		parameters.put("to", to.toString());
		for (String flag : FLAGS) {
			if (invocation.flag(flag)) {
				parameters.put(flag, "true");
			}
		}
		if (invocation.has(ReconcileParameters.REPORT)) {
			String report = invocation.option(ReconcileParameters.REPORT, "");
			if (report.isBlank() || invocation.givenAlone(ReconcileParameters.REPORT)) {
				throw new UsageException("Missing file name in --report: expected --report=FILE.json");
			}
			checkWritable(report);
			parameters.put(ReconcileParameters.REPORT, report);
		}
		return parameters;
	}

	/**
	 * Refuses a report file that could not be written: it is written last, after the
	 * corrections are committed, and every rerun of the run would fail on it again.
	 */
	private static void checkWritable(String report) {
		Path file;
		try {
			file = Path.of(report).toAbsolutePath();
		}
		catch (InvalidPathException ex) {
			throw new UsageException("Invalid --report=%s: %s".formatted(report, ex.getMessage()));
		}
		if (Files.isDirectory(file)) {
			throw new UsageException("Invalid --report=%s: it is a directory; expected a file name such as report.json"
				.formatted(report));
		}
		if (Files.exists(file)) {
			if (!Files.isWritable(file)) {
				throw new UsageException("Invalid --report=%s: the file cannot be written".formatted(report));
			}
			return;
		}
		// the nearest folder that exists must be one this process can create files in
		Path existing = file.getParent();
		while (existing != null && !Files.exists(existing)) {
			existing = existing.getParent();
		}
		if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
			throw new UsageException(
					"Invalid --report=%s: %s is not a folder this process can write in".formatted(report, existing));
		}
	}

	/**
	 * Stops the range at the last day that has ended in every time zone: a later day is
	 * still in progress for some users, and a score of it would count half a day (the
	 * next nightly recompute scores it whole, and the next reconcile checks it).
	 */
	private static LocalDate endedEverywhere(LocalDate from, LocalDate to, Instant at, Consumer<String> notes) {
		LocalDate last = ScoreDateWindow.lastEndedEverywhere(at);
		if (!to.isAfter(last)) {
			return to;
		}
		if (from.isAfter(last)) {
			throw new UsageException(("Nothing to reconcile in %s..%s: at %s no day after %s has ended in every time"
					+ " zone (UTC-12 included); reconcile days up to %s, or wait until they have ended")
				.formatted(from, to, at, last, last));
		}
		notes.accept(("Reconciling %s..%s instead of ..%s: at %s the days after %s are still in progress in some"
				+ " time zone, and their scores would count half a day")
			.formatted(from, last, to, at, last));
		return last;
	}

}
