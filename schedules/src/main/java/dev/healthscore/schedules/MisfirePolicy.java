package dev.healthscore.schedules;

/**
 * What a schedule does about a fire time it missed (scheduler down, task not started).
 */
public enum MisfirePolicy {

	/**
	 * Run once as soon as possible, however many fire times were missed. Quartz:
	 * {@code MISFIRE_INSTRUCTION_FIRE_ONCE_NOW}; EventBridge: retry starting the task for
	 * up to its maximum event age of 24 hours.
	 */
	FIRE_ONCE_NOW,

	/**
	 * Skip the missed run and wait for the next fire time. Quartz:
	 * {@code MISFIRE_INSTRUCTION_DO_NOTHING}; EventBridge: no retries.
	 */
	SKIP

}
