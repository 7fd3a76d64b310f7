package dev.healthscore.schedules.quartz;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.healthscore.schedules.JobLaunch;
import dev.healthscore.schedules.JobStep;
import dev.healthscore.schedules.MisfirePolicy;
import dev.healthscore.schedules.RunOutcome;
import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.Schedules;
import org.junit.jupiter.api.Test;
import org.quartz.CronTrigger;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.quartz.impl.JobExecutionContextImpl;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.triggers.SimpleTriggerImpl;
import org.quartz.spi.TriggerFiredBundle;
import org.quartz.impl.matchers.GroupMatcher;

import static org.assertj.core.api.Assertions.assertThat;

class QuartzSchedulesTests {

	private final Schedules schedules = Schedules.defaults();

	@Test
	void triggerFiresOnTheScheduleInItsTimeZone() {
		ScheduleDefinition berlin = new ScheduleDefinition("berlin", "0 0 2 * * ?", ZoneId.of("Europe/Berlin"),
				MisfirePolicy.FIRE_ONCE_NOW, List.of(JobStep.of("partitions")));
		CronTrigger trigger = QuartzSchedules.trigger(berlin);
		assertThat(trigger.getCronExpression()).isEqualTo("0 0 2 * * ?");
		assertThat(trigger.getTimeZone()).isEqualTo(TimeZone.getTimeZone("Europe/Berlin"));
		assertThat(trigger.getKey().getName()).isEqualTo("berlin");
		assertThat(trigger.getKey().getGroup()).isEqualTo(QuartzSchedules.GROUP);
		assertThat(trigger.getJobKey()).isEqualTo(new JobKey("berlin", QuartzSchedules.GROUP));
	}

	/**
	 * Quartz reads a schedule's zone through java.util.TimeZone, which takes an id it
	 * does not know as GMT without a word ({@code UTC+01:00} among them): every zone a
	 * definition takes is the zone its trigger fires in, as in EventBridge Scheduler.
	 */
	@Test
	void everyZoneAScheduleTakesIsTheZoneItsTriggerFiresIn() {
		assertThat(ZoneId.getAvailableZoneIds()).hasSizeGreaterThan(400).allSatisfy((id) -> {
			ScheduleDefinition schedule = new ScheduleDefinition("zoned", "0 0 2 * * ?", ZoneId.of(id),
					MisfirePolicy.SKIP, List.of(JobStep.of("partitions")));
			assertThat(QuartzSchedules.trigger(schedule).getTimeZone().getID()).isEqualTo(id);
		});
		assertThat(TimeZone.getTimeZone(ZoneId.of("UTC+01:00")).getID()).as("what Quartz would make of UTC+01:00")
			.isEqualTo("GMT");
	}

	@Test
	void triggerCarriesTheMisfireInstruction() {
		ScheduleDefinition nightly = this.schedules.named(Schedules.NIGHTLY);
		assertThat(QuartzSchedules.trigger(nightly).getMisfireInstruction())
			.isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW);
		ScheduleDefinition skipping = new ScheduleDefinition("skipping", nightly.cron(), nightly.timeZone(),
				MisfirePolicy.SKIP, nightly.steps());
		assertThat(QuartzSchedules.trigger(skipping).getMisfireInstruction())
			.isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING);
	}

	@Test
	void jobDetailNamesTheScheduleAndIsRecoveredAfterACrash() {
		JobDetail detail = QuartzSchedules.jobDetail(this.schedules.named(Schedules.NIGHTLY));
		assertThat(detail.getJobClass()).isEqualTo(ScheduleQuartzJob.class);
		assertThat(detail.getJobDataMap().getString(ScheduleQuartzJob.SCHEDULE_KEY)).isEqualTo("nightly");
		assertThat(detail.requestsRecovery()).isTrue();
		assertThat(detail.isConcurrentExecutionDisallowed()).isTrue();
		assertThat(detail.getDescription())
			.isEqualTo("nightly at '0 0 2 * * ?' UTC: recompute --days-back=2, then reconcile --days-back=30");
	}

	@Test
	void registeredScheduleRunsItsStepsInOrderThroughTheLauncher() throws Exception {
		Scheduler scheduler = scheduler();
		try {
			List<JobLaunch> launches = new CopyOnWriteArrayList<>();
			CountDownLatch done = new CountDownLatch(2);
			// the nightly chain's steps on a cron that fires once in four years: the
			// catalogue's own fires daily at 02:00 UTC and could add launches
			ScheduleDefinition nightly = this.schedules.named(Schedules.NIGHTLY);
			Schedules triggeredOnly = new Schedules(List.of(new ScheduleDefinition(nightly.name(), "0 0 0 29 2 ?",
					nightly.timeZone(), nightly.misfirePolicy(), nightly.steps())));
			QuartzSchedules.register(scheduler, triggeredOnly, (launch) -> {
				launches.add(launch);
				done.countDown();
				return RunOutcome.COMPLETED;
			});
			scheduler.start();
			scheduler.triggerJob(new JobKey(Schedules.NIGHTLY, QuartzSchedules.GROUP));
			assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(launches).extracting(JobLaunch::job).containsExactly("recompute", "reconcile");
			assertThat(launches.get(0).scheduledTime()).isEqualTo(launches.get(1).scheduledTime());
		}
		finally {
			scheduler.shutdown(true);
		}
	}

	@Test
	void registerReplacesTriggersAndDeletesSchedulesNoLongerInTheCatalogue() throws Exception {
		Scheduler scheduler = scheduler();
		try {
			ScheduleDefinition old = new ScheduleDefinition("retired", "0 0 3 * * ?", ZoneId.of("UTC"),
					MisfirePolicy.SKIP, List.of(JobStep.of("partitions")));
			QuartzSchedules.register(scheduler, new Schedules(List.of(old)), (launch) -> RunOutcome.COMPLETED);
			QuartzSchedules.register(scheduler, this.schedules, (launch) -> RunOutcome.COMPLETED);
			QuartzSchedules.register(scheduler, this.schedules, (launch) -> RunOutcome.COMPLETED);
			assertThat(scheduler.getJobKeys(GroupMatcher.jobGroupEquals(QuartzSchedules.GROUP)))
				.extracting(JobKey::getName)
				.containsExactlyInAnyOrder("nightly", "partitions-daily", "archive-monthly");
			CronTrigger trigger = (CronTrigger) scheduler
				.getTriggersOfJob(new JobKey(Schedules.ARCHIVE_MONTHLY, QuartzSchedules.GROUP))
				.get(0);
			assertThat(trigger.getCronExpression()).isEqualTo("0 0 5 2 * ?");
			assertThat(trigger.getTimeZone().getID()).isEqualTo("UTC");
		}
		finally {
			scheduler.shutdown(true);
		}
	}

	@Test
	void registerKeepsUnchangedTriggersAndReplacesChangedOnes() throws Exception {
		Scheduler scheduler = scheduler();
		try {
			QuartzSchedules.register(scheduler, this.schedules, (launch) -> RunOutcome.COMPLETED);
			TriggerKey nightly = new TriggerKey(Schedules.NIGHTLY, QuartzSchedules.GROUP);
			scheduler.pauseTrigger(nightly);
			QuartzSchedules.register(scheduler, this.schedules, (launch) -> RunOutcome.COMPLETED);
			assertThat(scheduler.getTriggerState(nightly)).isEqualTo(Trigger.TriggerState.PAUSED);
			ScheduleDefinition old = this.schedules.named(Schedules.NIGHTLY);
			ScheduleDefinition later = new ScheduleDefinition(old.name(), "0 0 3 * * ?", old.timeZone(),
					old.misfirePolicy(), old.steps());
			QuartzSchedules.register(scheduler, new Schedules(List.of(later)), (launch) -> RunOutcome.COMPLETED);
			assertThat(scheduler.getTriggerState(nightly)).isEqualTo(Trigger.TriggerState.NORMAL);
			assertThat(((CronTrigger) scheduler.getTrigger(nightly)).getCronExpression()).isEqualTo("0 0 3 * * ?");
		}
		finally {
			scheduler.shutdown(true);
		}
	}

	@Test
	void aFiringRecoveredAfterItsNodeDiedRunsForTheScheduledTimeOfTheFiringThatDied() throws Exception {
		Scheduler scheduler = scheduler();
		try {
			List<JobLaunch> launches = new CopyOnWriteArrayList<>();
			QuartzSchedules.register(scheduler, this.schedules, (launch) -> {
				launches.add(launch);
				return RunOutcome.COMPLETED;
			});
			JobDetail nightly = scheduler.getJobDetail(new JobKey(Schedules.NIGHTLY, QuartzSchedules.GROUP));
			Instant died = Instant.parse("2026-11-20T02:00:00Z");
			Instant noticed = Instant.parse("2026-11-20T02:07:31Z");
			// the one-shot trigger a clustered JDBC job store makes for it (as
			// StdJDBCDelegate.selectTriggersForRecoveringJobs does), fired as recovering
			SimpleTriggerImpl recovery = new SimpleTriggerImpl("recover_node-1_1", Scheduler.DEFAULT_RECOVERY_GROUP,
					Date.from(noticed));
			recovery.setJobKey(nightly.getKey());
			JobDataMap data = new JobDataMap();
			data.put(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_NAME, Schedules.NIGHTLY);
			data.put(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_GROUP, QuartzSchedules.GROUP);
			data.put(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_FIRETIME_IN_MILLISECONDS,
					String.valueOf(died.toEpochMilli() + 12));
			data.put(Scheduler.FAILED_JOB_ORIGINAL_TRIGGER_SCHEDULED_FIRETIME_IN_MILLISECONDS,
					String.valueOf(died.toEpochMilli()));
			recovery.setJobDataMap(data);
			TriggerFiredBundle bundle = new TriggerFiredBundle(nightly, recovery, null, true, Date.from(noticed),
					Date.from(noticed), null, null);
			ScheduleQuartzJob job = new ScheduleQuartzJob();
			job.execute(new JobExecutionContextImpl(scheduler, bundle, job));
			assertThat(launches).extracting(JobLaunch::job).containsExactly("recompute", "reconcile");
			assertThat(launches).extracting(JobLaunch::scheduledTime).containsOnly(died);
		}
		finally {
			scheduler.shutdown(true);
		}
	}

	private static Scheduler scheduler() throws SchedulerException {
		Properties properties = new Properties();
		properties.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, "test-" + System.nanoTime());
		properties.setProperty("org.quartz.threadPool.threadCount", "1");
		properties.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
		properties.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
		return new StdSchedulerFactory(properties).getScheduler();
	}

}
