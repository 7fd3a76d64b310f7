package dev.healthscore.schedules;

/** How one launched job run ended. */
public enum RunOutcome {

	/** The run finished successfully. */
	COMPLETED,

	/** The run failed. */
	FAILED,

	/** The run did not start because a run of the same job is still going. */
	ALREADY_RUNNING

}
