package dev.healthscore.jobs.cli;

/**
 * The process exit codes, each with one meaning for an operator (ECS, EventBridge, a
 * shell).
 */
public enum ExitCode {

	/**
	 * The job or command completed; or, for a schedule's firing, another process is
	 * running that same firing (a second delivery of it), and nothing was started.
	 */
	COMPLETED(0),

	/** The job ran and failed; it can be restarted where it stopped. */
	FAILED(1),

	/** The command line was wrong; nothing ran. */
	USAGE(2),

	/**
	 * The same job with overlapping parameters is already running, and not for the same
	 * firing; nothing ran.
	 */
	ALREADY_RUNNING(3),

	/**
	 * The read replica was too far behind, unreachable or not a standby: behind under the
	 * {@code fail} lag policy, or the {@code wait} one once it had waited its longest;
	 * unreachable, at once when it refuses the credentials or the database name; not a
	 * standby of the primary, found during the run (a replica URL that names no standby
	 * as the application starts is {@link #USAGE}).
	 */
	REPLICA_LAGGING(4),

	/** The job was stopped on request (e.g. SIGTERM) and can be restarted. */
	STOPPED(5);

	private final int code;

	ExitCode(int code) {
		this.code = code;
	}

	/** The numeric process exit code. */
	public int code() {
		return this.code;
	}

}
