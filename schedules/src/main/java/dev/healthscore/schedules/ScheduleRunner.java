package dev.healthscore.schedules;

import java.time.Instant;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the steps of a schedule in order, each only after the one before it completed.
 *
 * <p>
 * The Quartz job and the application's {@code run <chain>} command both run a schedule
 * through this class, so "reconcile after recompute" is implemented once.
 */
public final class ScheduleRunner {

	private static final Logger logger = LoggerFactory.getLogger(ScheduleRunner.class);

	private final ScheduledJobLauncher launcher;

	/**
	 * Creates a runner.
	 * @param launcher what runs each job
	 */
	public ScheduleRunner(ScheduledJobLauncher launcher) {
		this.launcher = Objects.requireNonNull(launcher, "A job launcher is required");
	}

	/**
	 * Runs every step of a schedule in order and stops at the first that does not
	 * complete.
	 * @param schedule the schedule
	 * @param scheduledTime the instant the schedule fired for
	 * @return {@link RunOutcome#COMPLETED} when every step completed, otherwise the
	 * outcome of the step that did not
	 * @throws Exception when a step could not be launched; later steps do not run
	 */
	public RunOutcome run(ScheduleDefinition schedule, Instant scheduledTime) throws Exception {
		for (JobStep step : schedule.steps()) {
			logger.info("Schedule {} ({}): starting {}", schedule.name(), scheduledTime, step);
			RunOutcome outcome = this.launcher.launch(new JobLaunch(schedule.name(), step, scheduledTime));
			if (outcome != RunOutcome.COMPLETED) {
				logger.warn("Schedule {} ({}): {} ended {}, not running the steps after it", schedule.name(),
						scheduledTime, step.job(), outcome);
				return outcome;
			}
		}
		return RunOutcome.COMPLETED;
	}

}
