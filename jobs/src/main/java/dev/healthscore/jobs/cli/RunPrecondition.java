package dev.healthscore.jobs.cli;

import java.util.Map;

/**
 * A check that {@link JobRunner} makes before a run of a job starts, or restarts: a run
 * that would do harm is refused as a usage error, before it takes its guard or writes
 * anything.
 */
@FunctionalInterface
public interface RunPrecondition {

	/**
	 * Checks a run.
	 * @param job the job's name
	 * @param parameters the run's parameters, without a run id
	 * @throws UsageException when the run must not start: the message says what to do
	 */
	void check(String job, Map<String, String> parameters);

}
