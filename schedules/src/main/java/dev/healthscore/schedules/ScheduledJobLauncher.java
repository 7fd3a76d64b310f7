package dev.healthscore.schedules;

/**
 * Runs one job and waits for it to finish: the application implements it, the schedules
 * call it.
 */
@FunctionalInterface
public interface ScheduledJobLauncher {

	/**
	 * Runs a job and returns when the run has finished.
	 * @param launch the job, its parameters and the scheduled time
	 * @return how the run ended
	 * @throws Exception when the run could not be started or waited for
	 */
	RunOutcome launch(JobLaunch launch) throws Exception;

}
