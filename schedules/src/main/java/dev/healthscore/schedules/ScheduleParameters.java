package dev.healthscore.schedules;

/**
 * Names of the job parameters that schedules pass, and what they mean.
 *
 * <p>
 * Scheduled parameters are relative, never absolute dates, and they are resolved against
 * the run's {@link #SCHEDULED_TIME scheduled time} rather than the wall clock, so a run
 * that starts late, or is retried, works on the same data as the run on time would have.
 */
public final class ScheduleParameters {

	/**
	 * The instant the schedule fired for (ISO-8601, UTC), added to every scheduled
	 * launch: EventBridge fills it in from its {@code <aws.scheduler.scheduled-time>}
	 * context attribute, Quartz from the trigger's scheduled fire time. A manual run has
	 * none.
	 */
	public static final String SCHEDULED_TIME = "scheduled-time";

	/**
	 * Score dates to work on, relative to the scheduled time: {@code days-back=N} means
	 * the dates from (UTC date of the scheduled time − N) to (that date − 1), and, for
	 * each user, only those of them that have already ended in the user's time zone. See
	 * {@link ScoreDateWindow}.
	 */
	public static final String DAYS_BACK = "days-back";

	/**
	 * How many future monthly partitions to keep created, counted from the current month.
	 */
	public static final String MONTHS_AHEAD = "months-ahead";

	/** How many recent months stay in PostgreSQL; older partitions are archived. */
	public static final String HOT_MONTHS = "hot-months";

	private ScheduleParameters() {
	}

}
