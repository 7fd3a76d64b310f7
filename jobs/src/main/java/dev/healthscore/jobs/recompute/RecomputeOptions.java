package dev.healthscore.jobs.recompute;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.healthscore.jobs.cli.DayRanges;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.JobOptions;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.schedules.ScheduleParameters;
import dev.healthscore.schedules.ScoreDateWindow;

/**
 * {@code run recompute --from=… --to=… [--users=…]} or
 * {@code run recompute --days-back=N}.
 */
public final class RecomputeOptions implements JobOptions {

	/** Job parameter: score, per user, only the days that have ended at this instant. */
	public static final String AS_OF = "as-of";

	/** The time zone whose local date is the latest on Earth. */
	private static final ZoneOffset LATEST_ZONE = ZoneOffset.ofHours(14);

	@Override
	public String name() {
		return RecomputeJobConfiguration.JOB_NAME;
	}

	@Override
	public List<String> options() {
		return List.of("from", "to", "users", "shard", ScheduleParameters.DAYS_BACK, ScheduleParameters.SCHEDULED_TIME);
	}

	@Override
	public String usage() {
		return """
				run recompute --from=YYYY-MM-DD --to=YYYY-MM-DD [--users=ID,ID,...] [--shard=i/n]
				    recompute the scores of a range of local days (all users, the listed ones, or shard i of n)
				run recompute --days-back=N [--scheduled-time=INSTANT] [--users=ID,ID,...] [--shard=i/n]
				    recompute the last N days that have ended in each user's time zone (the nightly run), for all
				    users, the listed ones, or shard i of n""";
	}

	/**
	 * Only beside {@code --days-back}: a {@code --from}/{@code --to} range refuses it.
	 */
	@Override
	public boolean takesScheduledTime(Invocation invocation) {
		return invocation.has(ScheduleParameters.DAYS_BACK);
	}

	@Override
	public Map<String, String> parameters(Invocation invocation) {
		if (invocation.has(ScheduleParameters.DAYS_BACK)) {
			return relative(invocation);
		}
		if (invocation.job() != null) {
			// run recompute, not reprocess (which takes no --days-back)
			DayRanges.requireDays(invocation, ScheduleParameters.DAYS_BACK);
		}
		DayRanges.refuseScheduledTime(invocation);
		LocalDate from = invocation.date("from");
		LocalDate to = invocation.date("to");
		if (to.isBefore(from)) {
			throw new UsageException(
					"Invalid range --from=%s --to=%s: --to must not be before --from".formatted(from, to));
		}
		// the job creates a score partition for every month of the range: a year typo
		// would create thousands of them
		LocalDate latest = LocalDate.now(LATEST_ZONE);
		if (to.isAfter(latest)) {
			throw new UsageException(("Invalid --to=%s: no time zone has reached that day yet (the latest local"
					+ " date anywhere, UTC+14, is %s); give a --to up to it")
				.formatted(to, latest));
		}
		DayRanges.check(from, to);
		Map<String, String> parameters = new LinkedHashMap<>();
		parameters.put("from", from.toString());
		parameters.put("to", to.toString());
		long[] users = invocation.userIds("users");
		if (users.length > 0) {
			parameters.put("users", UserIds.format(users));
		}
		addShard(invocation, parameters);
		return parameters;
	}

	private static void addShard(Invocation invocation, Map<String, String> parameters) {
		invocation.requireValue("shard", "i/n");
		Shard shard = Shard.parse(invocation.option("shard", null));
		if (shard.count() > 1) {
			parameters.put("shard", shard.toString());
		}
	}

	/**
	 * {@code --days-back=N}: the window of {@link ScoreDateWindow#daysBack}, scored per
	 * user only where the day has ended at the scheduled time (the job parameter
	 * {@code as-of}). The scheduled time is part of the job's identity, so a retry of the
	 * same firing resumes that run instead of starting another.
	 */
	private static Map<String, String> relative(Invocation invocation) {
		if (invocation.has("from") || invocation.has("to")) {
			throw new UsageException("Cannot combine --days-back with --from/--to: give one or the other");
		}
		int days = DayRanges.daysBack(invocation, ScheduleParameters.DAYS_BACK);
		Instant scheduled = invocation.instant(ScheduleParameters.SCHEDULED_TIME, Instant.now());
		ScoreDateWindow window = ScoreDateWindow.daysBack(days, scheduled);
		// a scheduled time is when a schedule fired: one so far ahead that its window
		// ends on a day no time zone has reached is a typo, and would score days to come
		LocalDate latest = LocalDate.now(LATEST_ZONE);
		if (window.to().isAfter(latest)) {
			throw new UsageException(("Invalid --%s=%s: --days-back=%d of it ends on %s, a day no time zone has"
					+ " reached yet (the latest local date anywhere, UTC+14, is %s); give the time the schedule fired")
				.formatted(ScheduleParameters.SCHEDULED_TIME, scheduled, days, window.to(), latest));
		}
		Map<String, String> parameters = new LinkedHashMap<>();
		parameters.put("from", window.from().toString());
		parameters.put("to", window.to().toString());
		parameters.put(AS_OF, scheduled.toString());
		long[] users = invocation.userIds("users");
		if (users.length > 0) {
			parameters.put("users", UserIds.format(users));
		}
		addShard(invocation, parameters);
		return parameters;
	}

}
