package dev.healthscore.io.replica;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;

import dev.healthscore.io.Causes;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises a query that a hot-standby replica cancelled because replaying the primary's
 * WAL conflicted with it (rows it might still see were vacuumed away, a lock replay
 * needed, a buffer pin), and retries the work that met one: the same short query usually
 * passes on the next attempt.
 */
public final class RecoveryConflicts {

	/** Attempts, the first included, before a conflict is given up on. */
	public static final int MAX_ATTEMPTS_DEFAULT = 4;

	/** The wait before the second attempt; it doubles for each further one. */
	public static final Duration INITIAL_BACKOFF_DEFAULT = Duration.ofMillis(200);

	private static final Logger logger = LoggerFactory.getLogger(RecoveryConflicts.class);

	/**
	 * serialization_failure for snapshot, lock, tablespace and buffer-pin conflicts,
	 * deadlock_detected for a buffer-pin deadlock with the startup process.
	 */
	private static final Set<String> CONFLICT_STATES = Set.of("40001", "40P01");

	private static final String CONFLICT_MESSAGE = "conflict with recovery";

	/**
	 * Where PostgreSQL raises them; unlike the message, not translated: up to 16 in
	 * ProcessInterrupts, from 17 in ProcessRecoveryConflictInterrupt.
	 */
	private static final Set<String> CONFLICT_ROUTINES = Set.of("ProcessInterrupts",
			"ProcessRecoveryConflictInterrupt");

	private RecoveryConflicts() {
	}

	/**
	 * Whether {@code ex}, or one of its causes, is a statement cancelled (or a session
	 * terminated) by a recovery conflict on a replica.
	 */
	public static boolean isRecoveryConflict(Throwable ex) {
		return Causes.anyMatch(ex, (cause) -> cause instanceof SQLException sql && isConflict(sql));
	}

	private static boolean isConflict(SQLException ex) {
		// Set.of(...).contains(null) throws
		if (ex.getSQLState() == null || !CONFLICT_STATES.contains(ex.getSQLState())) {
			return false;
		}
		if (ex.getMessage() != null && ex.getMessage().contains(CONFLICT_MESSAGE)) {
			return true;
		}
		ServerErrorMessage server = (ex instanceof PSQLException psql) ? psql.getServerErrorMessage() : null;
		return server != null && server.getRoutine() != null && CONFLICT_ROUTINES.contains(server.getRoutine());
	}

	/**
	 * Runs {@code work}, again after a backoff when a recovery conflict cancelled it, up
	 * to {@link #MAX_ATTEMPTS_DEFAULT} attempts; any other failure, or the last conflict,
	 * is thrown.
	 * @param what what the work reads, for the log
	 */
	public static <T, E extends Exception> T retry(String what, Work<T, E> work) throws E {
		return retry(what, MAX_ATTEMPTS_DEFAULT, INITIAL_BACKOFF_DEFAULT, Pause.SLEEP, work);
	}

	/**
	 * Runs a query made with Spring's JDBC templates as {@link #retry(String, Work)} runs
	 * plain JDBC work: their exceptions wrap the cancelled statement's.
	 * @param what what the query reads, for the log
	 */
	public static <T> T retryQuery(String what, Supplier<T> query) {
		return retry(what, MAX_ATTEMPTS_DEFAULT, INITIAL_BACKOFF_DEFAULT, Pause.SLEEP, query::get);
	}

	static <T, E extends Exception> T retry(String what, int maxAttempts, Duration initialBackoff, Pause pause,
			Work<T, E> work) throws E {
		Duration backoff = initialBackoff;
		for (int attempt = 1;; attempt++) {
			try {
				return work.run();
			}
			catch (Exception ex) {
				if (attempt >= maxAttempts || !isRecoveryConflict(ex)) {
					throw ex;
				}
				logger.warn(
						"{}: cancelled by a recovery conflict on the replica (attempt {} of {}), retrying in {} ms: {}",
						what, attempt, maxAttempts, backoff.toMillis(), ex.getMessage());
				if (!paused(pause, backoff, ex)) {
					throw ex;
				}
				backoff = backoff.multipliedBy(2);
			}
		}
	}

	/**
	 * Waits before the next attempt; false when interrupted, with the interruption added
	 * to the conflict, which is then thrown.
	 */
	private static boolean paused(Pause pause, Duration backoff, Exception conflict) {
		try {
			pause.pause(backoff);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			conflict.addSuppressed(ex);
			return false;
		}
	}

	/** Work that a recovery conflict may cancel, throwing {@code E}. */
	@FunctionalInterface
	public interface Work<T, E extends Exception> {

		/** Does the work once. */
		T run() throws E;

	}

}
