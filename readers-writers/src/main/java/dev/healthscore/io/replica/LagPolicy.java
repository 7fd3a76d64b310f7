package dev.healthscore.io.replica;

/** What a job does when the replica lags more than allowed, or is down. */
public enum LagPolicy {

	/**
	 * Measure again every poll interval until the replica is within the maximum lag; fail
	 * when it still is not after the wait timeout.
	 */
	WAIT,

	/** Stop at once with a {@link ReplicaLagException}. */
	FAIL,

	/** Read the range from the primary instead, and record that it did. */
	PRIMARY

}
