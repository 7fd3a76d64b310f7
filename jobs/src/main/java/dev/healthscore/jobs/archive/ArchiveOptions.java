package dev.healthscore.jobs.archive;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.JobOptions;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.schedules.ScheduleParameters;

/** {@code run archive [--before=YYYY-MM]}. */
public final class ArchiveOptions implements JobOptions {

	@Override
	public String name() {
		return ArchiveJobConfiguration.JOB_NAME;
	}

	@Override
	public List<String> options() {
		return List.of("before", ScheduleParameters.HOT_MONTHS, ScheduleParameters.SCHEDULED_TIME);
	}

	@Override
	public String usage() {
		return """
				run archive [--before=YYYY-MM | --hot-months=N [--scheduled-time=INSTANT]]
				    move every month older than the hot window (or before --before) to S3: verify, detach, drop later""";
	}

	@Override
	public Map<String, String> parameters(Invocation invocation) {
		if (invocation.has(ScheduleParameters.HOT_MONTHS)) {
			if (invocation.has("before")) {
				throw new UsageException("Cannot combine --before with --hot-months: give one or the other");
			}
			// the schedule's form: the hot window counted back from the scheduled time's
			// month
			Instant scheduled = invocation.instant(ScheduleParameters.SCHEDULED_TIME, Instant.now());
			int hot = invocation.positiveInt(ScheduleParameters.HOT_MONTHS, 13);
			return Map.of("before", YearMonth.from(scheduled.atOffset(ZoneOffset.UTC)).minusMonths(hot).toString());
		}
		if (!invocation.has("before")) {
			return Map.of();
		}
		YearMonth before = month(invocation, "before");
		YearMonth current = YearMonth.now(ZoneOffset.UTC);
		if (before.isAfter(current)) {
			throw new UsageException("Invalid --before=%s: it is after the current month %s, whose partition is still"
				.concat(" being written")
				.formatted(before, current));
		}
		return Map.of("before", before.toString());
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
		try {
			return YearMonth.parse(value);
		}
		catch (DateTimeParseException ex) {
			throw new UsageException("Invalid --%s=%s: expected a month as YYYY-MM".formatted(name, value));
		}
	}

}
