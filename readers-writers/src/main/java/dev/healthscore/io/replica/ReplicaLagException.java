package dev.healthscore.io.replica;

/**
 * The replica was too far behind, or unreachable, and the lag policy says to stop: the
 * job fails with its own exit code and can be rerun.
 */
public class ReplicaLagException extends RuntimeException {

	private final transient ReplicaLag lag;

	private final LagPolicy policy;

	/**
	 * Creates the exception.
	 * @param message what is wrong, with the measured lag and the maximum, and what to do
	 * @param lag the last measurement, or {@code null} when the replica was unreachable
	 * @param policy the policy that decided to stop
	 * @param cause why the replica was unreachable, or {@code null}
	 */
	public ReplicaLagException(String message, ReplicaLag lag, LagPolicy policy, Throwable cause) {
		super(message, cause);
		this.lag = lag;
		this.policy = policy;
	}

	/** The last measurement, or {@code null} when the replica was unreachable. */
	public ReplicaLag lag() {
		return this.lag;
	}

	/** The policy that decided to stop. */
	public LagPolicy policy() {
		return this.policy;
	}

}
