package dev.healthscore.schedules;

/** How one launched job run ended. */
public enum RunOutcome {

	/** The run finished successfully. */
	COMPLETED,

	/** The run failed. */
	FAILED,

	/** The run did not start because a run of the same job is still going. */
	ALREADY_RUNNING,

	/**
	 * The run stopped on request (SIGTERM, {@code stop <id>}) after a chunk; running it
	 * again resumes it.
	 */
	STOPPED

}
