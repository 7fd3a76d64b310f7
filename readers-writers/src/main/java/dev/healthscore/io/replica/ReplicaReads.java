package dev.healthscore.io.replica;

import java.sql.SQLException;

import dev.healthscore.io.Causes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a read whose every attempt asks a {@link ReplicaGate} where to read: again after a
 * backoff when a recovery conflict on the replica cancelled it
 * ({@link RecoveryConflicts#retry}), and once more when the connection was lost (the
 * replica went away mid-read), so that the lag policy decides afresh whether to wait for
 * the replica, fail, or read the primary. Nothing of a failed attempt may have been used.
 */
public final class ReplicaReads {

	private static final Logger logger = LoggerFactory.getLogger(ReplicaReads.class);

	private ReplicaReads() {
	}

	/**
	 * Runs {@code attempt} as described above.
	 * @param what what the read is, for the log
	 * @param attempt one attempt, asking the gate where to read
	 * @return what the attempt that succeeded returned
	 * @throws E what the last attempt threw
	 */
	public static <T, E extends Exception> T read(String what, RecoveryConflicts.Work<T, E> attempt) throws E {
		try {
			return RecoveryConflicts.retry(what, attempt);
		}
		catch (Exception ex) {
			if (!isConnectionFailure(ex)) {
				throw ex;
			}
			logger.warn("{}: lost the connection ({}); asking the lag policy again", what, ex.getMessage());
			try {
				return attempt.run();
			}
			catch (Exception again) {
				again.addSuppressed(ex);
				throw again;
			}
		}
	}

	/**
	 * Whether {@code ex}, or one of its causes, says the connection is gone: a connection
	 * exception ({@code 08…}) or the server ending the session ({@code 57P01}).
	 */
	public static boolean isConnectionFailure(Throwable ex) {
		return Causes.anyMatch(ex, (cause) -> cause instanceof SQLException sql && sql.getSQLState() != null
				&& (sql.getSQLState().startsWith("08") || sql.getSQLState().equals("57P01")));
	}

}
