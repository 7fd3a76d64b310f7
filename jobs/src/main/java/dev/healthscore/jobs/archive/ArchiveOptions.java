package dev.healthscore.jobs.archive;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

import dev.healthscore.jobs.cli.CommandLineParser;
import dev.healthscore.jobs.cli.DayRanges;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.JobOptions;
import dev.healthscore.jobs.cli.UsageException;

/**
 * {@code run archive [--before=YYYY-MM | --hot-months=N] [--allow-recent]
 * [--rearchive=YYYY-MM[,YYYY-MM...]] [--dry-run] [--scheduled-time=instant]}.
 */
public final class ArchiveOptions implements JobOptions {

	/** The parameter schedules add to every run (ScheduleParameters.SCHEDULED_TIME). */
	public static final String SCHEDULED_TIME = "scheduled-time";

	/**
	 * The flag that lets a run archive months that the scheduled recompute and reconcile
	 * still read.
	 */
	public static final String ALLOW_RECENT = "allow-recent";

	/**
	 * The option naming restored months to archive again; its parameter holds them in
	 * order, comma-separated.
	 */
	public static final String REARCHIVE = "rearchive";

	/**
	 * The flag that prints what the run would do instead of running it: its parameter
	 * sends the run to {@link ArchiveDryRun} instead of the job, whose validator refuses
	 * it, so that nothing runs the job for real when a preview was asked for.
	 */
	public static final String DRY_RUN = "dry-run";

	/**
	 * The first month a month option ({@code --before}, {@code --rearchive},
	 * {@code restore --month}) may name: {@link DayRanges#EARLIEST_DAY}'s, before any
	 * reading.
	 */
	static final YearMonth EARLIEST_MONTH = YearMonth.from(DayRanges.EARLIEST_DAY);

	@Override
	public String name() {
		return ArchiveJobConfiguration.JOB_NAME;
	}

	@Override
	public List<String> options() {
		return List.of("before", "hot-months", ALLOW_RECENT, REARCHIVE, DRY_RUN, "scheduled-time");
	}

	@Override
	public String usage() {
		return """
				run archive [--before=YYYY-MM | --hot-months=N] [--allow-recent] [--rearchive=YYYY-MM[,YYYY-MM...]] [--dry-run]
				            [--scheduled-time=INSTANT]
				    move every month older than the hot window (or before --before) to S3: verify, detach, drop later;
				    a month the nightly recompute and reconcile still read only with --allow-recent;
				    a restored month stays in PostgreSQL until named in --rearchive, which archives it again as it is now;
				    --dry-run prints what the run would do to each table month, and its size, and changes nothing""";
	}

	@Override
	public Map<String, String> parameters(Invocation invocation) {
		Map<String, String> parameters = new LinkedHashMap<>();
		Instant scheduled = scheduledTime(invocation, parameters);
		if (invocation.has("before") && invocation.has("hot-months")) {
			throw new UsageException("Give either --before=YYYY-MM or --hot-months=N to 'run archive', not both");
		}
		if (invocation.has("hot-months")) {
			// 0 as the property allows: every month before the current one, --before=<it>
			int hotMonths = invocation.nonNegativeInt("hot-months", 1, ArchiveProperties.HOT_MONTHS_MAX,
					(value) -> ("Invalid --hot-months=%s: expected 0 to %d (100 years of complete months kept: a wider"
							+ " hot window reaches back before any reading, devices count time from 1970, and archives"
							+ " nothing); give the months to keep in PostgreSQL, or --before=YYYY-MM")
						.formatted(value, ArchiveProperties.HOT_MONTHS_MAX));
			parameters.put("hot-months", String.valueOf(hotMonths));
		}
		if (invocation.has("before")) {
			YearMonth before = month(invocation, "before");
			// a mistyped year: the run would archive nothing and complete
			refuseBeforeAnyReading(invocation, "before", "it", before, "so the run would archive nothing");
			// the scheduled time's month, never later than the clock's: a scheduled
			// time in the future must not let the archive reach the months still written
			YearMonth now = YearMonth.now(ZoneOffset.UTC);
			YearMonth current = (scheduled != null) ? min(YearMonth.from(scheduled.atOffset(ZoneOffset.UTC)), now)
					: now;
			if (before.isAfter(current)) {
				throw new UsageException(
						"Invalid --before=%s: it is after the current month %s, whose partition is still"
							.concat(" being written")
							.formatted(before, current));
			}
			parameters.put("before", before.toString());
		}
		if (invocation.flag(DRY_RUN)) {
			parameters.put(DRY_RUN, "true");
		}
		if (invocation.flag(ALLOW_RECENT)) {
			parameters.put(ALLOW_RECENT, "true");
		}
		if (invocation.has(REARCHIVE)) {
			invocation.requireValue(REARCHIVE, "YYYY-MM[,YYYY-MM...]");
			SortedSet<YearMonth> months = rearchiveMonths(invocation.option(REARCHIVE, ""));
			// refused once the application had started, as a month no table of which is
			// restored
			refuseBeforeAnyReading(invocation, REARCHIVE, months.first().toString(), months.first(),
					"so no restore brought it back");
			YearMonth current = currentMonth();
			YearMonth notArchived = months.stream()
				.filter((month) -> !month.isBefore(current))
				.findFirst()
				.orElse(null);
			if (notArchived != null) {
				throw new UsageException(("Invalid --%s=%s: %s is not before the current month %s, and the archive"
						+ " takes only months before it, so no restore brought it back; give restored months ('status'"
						+ " lists the archive ledger by month)")
					.formatted(REARCHIVE, invocation.option(REARCHIVE, ""), notArchived, current));
			}
			parameters.put(REARCHIVE, months.stream().map(YearMonth::toString).collect(Collectors.joining(",")));
		}
		return parameters;
	}

	/**
	 * Refuses a month before {@link #EARLIEST_MONTH}, as a {@code --from} before
	 * {@link DayRanges#EARLIEST_DAY} is refused: a mistyped year, which the jobs would
	 * otherwise refuse only once the application has started, or not at all.
	 * @param invocation the command line
	 * @param name the option that gave the month
	 * @param subject how the message names the month: {@code it}, or the month itself
	 * among others
	 * @param month the month
	 * @param consequence what the run would do with it, for the message
	 * @throws UsageException when the month is before {@link #EARLIEST_MONTH}
	 */
	static void refuseBeforeAnyReading(Invocation invocation, String name, String subject, YearMonth month,
			String consequence) {
		if (month.isBefore(EARLIEST_MONTH)) {
			throw new UsageException(("Invalid --%s=%s: %s is before %s, and no reading is that old (devices count"
					+ " time from 1970), %s; check the year")
				.formatted(name, invocation.option(name, ""), subject, EARLIEST_MONTH, consequence));
		}
	}

	/**
	 * Returns the first month the archive cannot have taken: the current one (UTC), as
	 * its cut-off is never later. Read at this machine's clock plus the skew allowed
	 * between machines, so that a month an archive run on a machine a few minutes ahead
	 * took at the turn of the month is not refused.
	 * @return the current month, or the next one in the last minutes of a month
	 */
	static YearMonth currentMonth() {
		return YearMonth.from(Instant.now().plus(CommandLineParser.CLOCK_SKEW).atOffset(ZoneOffset.UTC));
	}

	/**
	 * Reads the months of {@code --rearchive}: one or more, comma-separated, each once.
	 * @param value the option's value
	 * @return the months, in order
	 * @throws UsageException when the value is empty or holds something else than months
	 */
	static SortedSet<YearMonth> rearchiveMonths(String value) {
		SortedSet<YearMonth> months = new TreeSet<>();
		for (String part : value.split(",", -1)) {
			try {
				months.add(YearMonth.parse(part.strip()));
			}
			catch (DateTimeParseException ex) {
				throw new UsageException(("Invalid --%s=%s: expected one or more restored months as YYYY-MM,"
						+ " comma-separated (such as --%s=2024-11,2024-12)")
					.formatted(REARCHIVE, value, REARCHIVE));
			}
		}
		return months;
	}

	/**
	 * Returns the months of a run's {@code rearchive} parameter.
	 * @param parameter the parameter, or null
	 * @return the months, empty without the parameter
	 */
	static SortedSet<YearMonth> rearchiveParameter(String parameter) {
		return (parameter != null) ? rearchiveMonths(parameter) : new TreeSet<>();
	}

	private static YearMonth min(YearMonth a, YearMonth b) {
		return a.isBefore(b) ? a : b;
	}

	/**
	 * Reads the optional {@code --scheduled-time} that schedules add to every run: the
	 * instant a run's relative parameters are resolved against, instead of the clock.
	 * @param invocation the command line
	 * @param parameters receives it as the {@code scheduled-time} parameter
	 * @return the instant, or null
	 */
	public static Instant scheduledTime(Invocation invocation, Map<String, String> parameters) {
		String value = invocation.option(SCHEDULED_TIME, null);
		if (value == null) {
			return null;
		}
		try {
			Instant instant = Instant.parse(value);
			parameters.put(SCHEDULED_TIME, instant.toString());
			return instant;
		}
		catch (DateTimeParseException ex) {
			throw new UsageException("Invalid --%s=%s: expected an ISO-8601 instant such as 2026-03-02T05:00:00Z"
				.formatted(SCHEDULED_TIME, value));
		}
	}

	/**
	 * Returns a required month option.
	 * @param invocation the command line
	 * @param name the option
	 * @return the month
	 * @throws UsageException when it is missing or not a month
	 */
	static YearMonth month(Invocation invocation, String name) {
		String value = invocation.option(name, null);
		if (value == null) {
			throw new UsageException("Missing --%s=YYYY-MM for 'run %s'".formatted(name, invocation.job()));
		}
		invocation.requireValue(name, "YYYY-MM");
		try {
			return YearMonth.parse(value);
		}
		catch (DateTimeParseException ex) {
			throw new UsageException("Invalid --%s=%s: expected a month as YYYY-MM".formatted(name, value));
		}
	}

}
