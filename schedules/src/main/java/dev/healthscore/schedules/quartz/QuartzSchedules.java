package dev.healthscore.schedules.quartz;

import java.util.HashSet;
import java.util.Set;
import java.util.TimeZone;

import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.ScheduledJobLauncher;
import dev.healthscore.schedules.Schedules;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.matchers.GroupMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the catalogue into Quartz jobs and cron triggers, and keeps a scheduler's jobs in
 * step with it.
 *
 * <p>
 * Each schedule becomes one {@link ScheduleQuartzJob} job and one cron trigger in the
 * schedule's time zone, both keyed by the schedule's name in group {@value #GROUP}. A
 * chain is one Quartz job that runs its steps in order, so a clustered scheduler never
 * starts reconcile on one node while recompute still runs on another. The misfire
 * instruction only applies to fire times later than the scheduler's
 * {@code org.quartz.jobStore.misfireThreshold}.
 */
public final class QuartzSchedules {

	/** The Quartz group of every job and trigger made from the catalogue. */
	public static final String GROUP = "healthscore";

	private static final Logger logger = LoggerFactory.getLogger(QuartzSchedules.class);

	private QuartzSchedules() {
	}

	/**
	 * Builds the Quartz job of a schedule.
	 * @param schedule the schedule
	 * @return a job that runs the schedule's steps, recovered after a node crash
	 */
	public static JobDetail jobDetail(ScheduleDefinition schedule) {
		return JobBuilder.newJob(ScheduleQuartzJob.class)
			.withIdentity(jobKey(schedule))
			.withDescription(schedule.summary())
			.usingJobData(ScheduleQuartzJob.SCHEDULE_KEY, schedule.name())
			.requestRecovery()
			.build();
	}

	/**
	 * Builds the cron trigger of a schedule, in its time zone and with its misfire
	 * instruction.
	 * @param schedule the schedule
	 * @return the trigger
	 */
	public static CronTrigger trigger(ScheduleDefinition schedule) {
		CronScheduleBuilder cron = CronScheduleBuilder.cronSchedule(schedule.cron())
			.inTimeZone(TimeZone.getTimeZone(schedule.timeZone()));
		cron = switch (schedule.misfirePolicy()) {
			case FIRE_ONCE_NOW -> cron.withMisfireHandlingInstructionFireAndProceed();
			case SKIP -> cron.withMisfireHandlingInstructionDoNothing();
		};
		return TriggerBuilder.newTrigger()
			.withIdentity(new TriggerKey(schedule.name(), GROUP))
			.withDescription(schedule.summary())
			.forJob(jobKey(schedule))
			.withSchedule(cron)
			.build();
	}

	/**
	 * Makes a scheduler run the catalogue: puts the catalogue and the launcher into its
	 * context, adds a job and trigger per schedule or replaces them when the schedule
	 * changed (an unchanged trigger keeps its state and next fire time), and deletes the
	 * jobs of group {@value #GROUP} that the catalogue no longer has. Call it on every
	 * node of a cluster, since the context is not shared. With Spring's
	 * {@code LocalDataSourceJobStore}, call it inside one transaction that first takes a
	 * lock of its own: that store's row locks last only as long as the caller's
	 * transaction, and nodes that start together would otherwise store the same job
	 * twice.
	 * @param scheduler the scheduler
	 * @param schedules the catalogue
	 * @param launcher what runs each job
	 * @throws SchedulerException when the scheduler refuses a change
	 */
	public static void register(Scheduler scheduler, Schedules schedules, ScheduledJobLauncher launcher)
			throws SchedulerException {
		scheduler.getContext().put(ScheduleQuartzJob.SCHEDULES_KEY, schedules);
		scheduler.getContext().put(ScheduleQuartzJob.LAUNCHER_KEY, launcher);
		Set<JobKey> wanted = new HashSet<>();
		for (ScheduleDefinition schedule : schedules.definitions()) {
			wanted.add(jobKey(schedule));
			if (isScheduled(scheduler, schedule)) {
				logger.info("Kept {}", schedule.summary());
				continue;
			}
			scheduler.scheduleJob(jobDetail(schedule), Set.of(trigger(schedule)), true);
			logger.info("Scheduled {}", schedule.summary());
		}
		for (JobKey key : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(GROUP))) {
			if (!wanted.contains(key)) {
				scheduler.deleteJob(key);
				logger.info("Deleted Quartz job {}, it is no longer in the catalogue", key);
			}
		}
	}

	/**
	 * Returns whether the scheduler already runs this exact schedule. Replacing an
	 * unchanged trigger would reset its next fire time to the future, and a run missed
	 * while every node was down would never fire once now.
	 */
	private static boolean isScheduled(Scheduler scheduler, ScheduleDefinition schedule) throws SchedulerException {
		CronTrigger wanted = trigger(schedule);
		JobDetail job = scheduler.getJobDetail(jobKey(schedule));
		return scheduler.getTrigger(wanted.getKey()) instanceof CronTrigger existing && job != null
				&& existing.getCronExpression().equals(wanted.getCronExpression())
				&& existing.getTimeZone().getID().equals(wanted.getTimeZone().getID())
				&& existing.getMisfireInstruction() == wanted.getMisfireInstruction()
				&& schedule.summary().equals(job.getDescription()) && ScheduleQuartzJob.class.equals(job.getJobClass());
	}

	/**
	 * Returns the Quartz key of a schedule's job.
	 * @param schedule the schedule
	 * @return the key
	 */
	public static JobKey jobKey(ScheduleDefinition schedule) {
		return new JobKey(schedule.name(), GROUP);
	}

}
