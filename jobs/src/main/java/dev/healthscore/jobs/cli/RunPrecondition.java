package dev.healthscore.jobs.cli;

import java.util.Map;

/**
 * A check that {@link JobRunner} makes before a run of a job starts, or restarts: a run
 * that would do harm is refused as a usage error, before it takes its guard or writes
 * anything.
 */
public interface RunPrecondition {

	/**
	 * Checks a run. By default, only its settings ({@link #checkSettings}): a
	 * precondition on the run's parameters overrides this, and calls
	 * {@link #checkSettings} itself if it checks settings too.
	 * @param job the job's name
	 * @param parameters the run's parameters, without a run id
	 * @throws UsageException when the run must not start: the message says what to do
	 */
	default void check(String job, Map<String, String> parameters) {
		checkSettings(job);
	}

	/**
	 * Checks only what does not depend on a run's parameters: the settings a run of the
	 * job uses, which refuse every run of it alike. The {@code scheduler} checks them for
	 * each job of its schedules when it starts, rather than at a firing hours later.
	 * @param job the job's name
	 * @throws UsageException when no run of the job could start: the message says what to
	 * do
	 */
	default void checkSettings(String job) {
	}

}
