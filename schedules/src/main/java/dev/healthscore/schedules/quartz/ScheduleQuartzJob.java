package dev.healthscore.schedules.quartz;

import java.time.Instant;

import dev.healthscore.schedules.RunOutcome;
import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.ScheduleRunner;
import dev.healthscore.schedules.ScheduledJobLauncher;
import dev.healthscore.schedules.Schedules;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.Scheduler;
import org.quartz.SchedulerContext;
import org.quartz.SchedulerException;

/**
 * The Quartz job of a schedule: runs the schedule's steps in order through the
 * application's {@link ScheduledJobLauncher}.
 *
 * <p>
 * The job data holds only the schedule's name, a string that any job store keeps; the
 * catalogue and the launcher come from the scheduler context, where
 * {@link QuartzSchedules#register} puts them. The scheduled fire time is passed on as the
 * run's scheduled time (after a misfire handled by firing now, Quartz reports the time it
 * fired at instead). A firing whose node died is fired again by another node through a
 * recovery trigger of its own, scheduled when the death was noticed: the run then gets
 * the scheduled time of the firing that died, which the job store keeps in the recovery
 * trigger's data, so that its relative parameters ({@code --days-back}) resolve as they
 * did and the same runs are resumed instead of others started.
 */
@DisallowConcurrentExecution
public class ScheduleQuartzJob implements Job {

	/** Job data key of the schedule's name. */
	public static final String SCHEDULE_KEY = "schedule";

	/** Scheduler context key of the {@link Schedules} catalogue. */
	public static final String SCHEDULES_KEY = "healthscore.schedules";

	/** Scheduler context key of the {@link ScheduledJobLauncher}. */
	public static final String LAUNCHER_KEY = "healthscore.launcher";

	@Override
	public void execute(JobExecutionContext context) throws JobExecutionException {
		String name = context.getMergedJobDataMap().getString(SCHEDULE_KEY);
		RunOutcome outcome;
		try {
			SchedulerContext schedulerContext = context.getScheduler().getContext();
			Schedules schedules = required(schedulerContext, SCHEDULES_KEY, Schedules.class);
			ScheduledJobLauncher launcher = required(schedulerContext, LAUNCHER_KEY, ScheduledJobLauncher.class);
			ScheduleDefinition schedule = schedules.named(name);
			outcome = new ScheduleRunner(launcher).run(schedule, scheduledTime(context));
		}
		catch (JobExecutionException ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new JobExecutionException("Schedule '%s' failed: %s".formatted(name, ex.getMessage()), ex);
		}
		if (outcome != RunOutcome.COMPLETED) {
			throw new JobExecutionException("Schedule '%s' did not complete: %s".formatted(name, outcome));
		}
	}

	/**
	 * Returns the time the firing was scheduled for: the original firing's when this one
	 * recovers it after its node died.
	 */
	static Instant scheduledTime(JobExecutionContext context) {
		if (context.isRecovering()) {
			String original = context.getMergedJobDataMap()
				.getString(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_SCHEDULED_FIRETIME_IN_MILLISECONDS);
			if (original != null) {
				return Instant.ofEpochMilli(Long.parseLong(original));
			}
		}
		return context.getScheduledFireTime().toInstant();
	}

	private static <T> T required(SchedulerContext context, String key, Class<T> type) throws SchedulerException {
		Object value = context.get(key);
		if (!type.isInstance(value)) {
			throw new JobExecutionException(
					"No %s in the scheduler context under '%s' (found %s); register the schedules with QuartzSchedules.register"
						.formatted(type.getSimpleName(), key, value));
		}
		return type.cast(value);
	}

}
