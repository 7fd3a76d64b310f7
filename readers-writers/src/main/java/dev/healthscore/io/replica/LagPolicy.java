package dev.healthscore.io.replica;

/** What a job does when the replica lags more than allowed, or is down. */
public enum LagPolicy {

	/**
	 * Measure again until the replica is within the maximum lag, after pauses that start
	 * at 10 ms and double up to the poll interval; fail when it still is not after the
	 * wait timeout.
	 */
	WAIT,

	/** Stop at once with a {@link ReplicaLagException}. */
	FAIL,

	/** Read the range from the primary instead, and record that it did. */
	PRIMARY

}
