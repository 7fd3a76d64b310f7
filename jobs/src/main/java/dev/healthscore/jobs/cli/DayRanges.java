package dev.healthscore.jobs.cli;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

import dev.healthscore.schedules.ScheduleParameters;

/**
 * The limits of a range of local days that {@code recompute}, {@code reconcile} and
 * {@code reprocess} take ({@code --from}/{@code --to} or {@code --days-back}). The jobs
 * create a score partition for every month of their range before they read anything: a
 * mistyped year ({@code --from=1025-01-01}) or an extra digit in {@code --days-back}
 * would create thousands of them, or fail the run on dates PostgreSQL cannot hold.
 */
public final class DayRanges {

	/** The longest range, in years; a longer backfill runs in parts. */
	public static final int MAX_YEARS = 10;

	/** The longest {@code --days-back}: {@value #MAX_YEARS} years of days. */
	public static final int MAX_DAYS_BACK = 3653;

	/**
	 * The first day a range may start on: no reading is older (devices count time from
	 * 1970; a reset clock's readings fall on 1970-01-01, 1969-12-31 in zones west of
	 * UTC). Earlier years are mistyped ones, and year 0 and before reach PostgreSQL as
	 * dates it refuses, failing the run after it started.
	 */
	public static final LocalDate EARLIEST_DAY = LocalDate.of(1900, 1, 1);

	private DayRanges() {
	}

	/**
	 * Checks the length of a range given as {@code --from}/{@code --to}, which its caller
	 * has checked is not reversed (before lowering {@code --to} to the last day that
	 * ended, for reconcile).
	 * @param from the first day
	 * @param to the last day
	 * @throws UsageException when the range spans more than {@value #MAX_YEARS} years, or
	 * starts before {@link #EARLIEST_DAY}
	 */
	public static void check(LocalDate from, LocalDate to) {
		if (to.isAfter(from.plusYears(MAX_YEARS))) {
			throw new UsageException(String.format(Locale.ROOT,
					"Invalid range --from=%s --to=%s: it spans more than %d years (%,d months, each a partition to"
							+ " create); check the years, or run a longer backfill in parts of up to %d years",
					from, to, MAX_YEARS, ChronoUnit.MONTHS.between(from.withDayOfMonth(1), to) + 1, MAX_YEARS));
		}
		checkEarliest("from", from);
	}

	/**
	 * Refuses a day before {@link #EARLIEST_DAY}.
	 * @param name the option that gave the day
	 * @param day the day
	 * @throws UsageException when it is before {@link #EARLIEST_DAY}
	 */
	public static void checkEarliest(String name, LocalDate day) {
		if (day.isBefore(EARLIEST_DAY)) {
			throw new UsageException(("Invalid --%s=%s: it is before %s, and no reading is that old (devices count"
					+ " time from 1970); check the year")
				.formatted(name, day, EARLIEST_DAY));
		}
	}

	/**
	 * Refuses a {@code run} of a job that takes its days as {@code --from}/{@code --to}
	 * or {@code --days-back} when none of them is given: the message names both ways, not
	 * only the missing {@code --from}.
	 * @param invocation the command line of {@code run <job>}
	 * @param daysBack the name of the days-back option
	 * @throws UsageException when none of the options is given
	 */
	public static void requireDays(Invocation invocation, String daysBack) {
		if (!invocation.has("from") && !invocation.has("to") && !invocation.has(daysBack)) {
			throw new UsageException("Missing the days for 'run %s': give --from=YYYY-MM-DD --to=YYYY-MM-DD, or --%s=N"
				.formatted(invocation.job(), daysBack));
		}
	}

	/**
	 * Reads {@code --days-back=N}.
	 * @param invocation the command line, which has the option
	 * @param name the option's name
	 * @return N, from 1 to {@value #MAX_DAYS_BACK}
	 * @throws UsageException when it is not a whole number in that range
	 */
	public static int daysBack(Invocation invocation, String name) {
		return invocation.positiveInt(name, 1, MAX_DAYS_BACK, (value) -> String.format(Locale.ROOT,
				"Invalid --%s=%s: expected at most %d (%d years); run a longer backfill with --from/--to in parts",
				name, value, MAX_DAYS_BACK, MAX_YEARS));
	}

	/**
	 * Refuses {@code --scheduled-time} beside a range given as
	 * {@code --from}/{@code --to}: the time resolves {@code --days-back} only, and a run
	 * that ignored it would score or check another range than its caller meant, without a
	 * word.
	 * @param invocation the command line of a run given {@code --from}/{@code --to}
	 * @throws UsageException when it has {@code --scheduled-time}
	 */
	public static void refuseScheduledTime(Invocation invocation) {
		if (invocation.has(ScheduleParameters.SCHEDULED_TIME)) {
			throw new UsageException(("Cannot combine --%s with --from/--to for 'run %s': the scheduled time"
					+ " resolves --%s only, and a range of given days does not move with it. Give --%s=N with it, or"
					+ " leave it out")
				.formatted(ScheduleParameters.SCHEDULED_TIME, invocation.job(), ScheduleParameters.DAYS_BACK,
						ScheduleParameters.DAYS_BACK));
		}
	}

}
