package dev.healthscore.jobs.embedded;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;

/** Polls a condition on the embedded servers until it holds or a timeout passes. */
final class ReplicaWait {

	private static final long POLL_MILLIS = 10;

	private ReplicaWait() {
	}

	/**
	 * Returns once {@code condition} holds; a failing query (a server that is starting or
	 * stopped) counts as not yet.
	 * @throws IllegalStateException when it still does not hold after {@code timeout}
	 */
	static void until(Duration timeout, String what, Condition condition) {
		long deadline = System.nanoTime() + timeout.toNanos();
		SQLException last = null;
		while (true) {
			try {
				if (condition.holds()) {
					return;
				}
			}
			catch (SQLException ex) {
				last = ex;
			}
			if (System.nanoTime() - deadline >= 0) {
				throw new IllegalStateException(String.format(Locale.ROOT, "Timed out after %d ms waiting for %s%s",
						timeout.toMillis(), what, (last != null) ? ": " + last.getMessage() : ""), last);
			}
			try {
				Thread.sleep(POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting for " + what, ex);
			}
		}
	}

	/** A check against the servers. */
	@FunctionalInterface
	interface Condition {

		boolean holds() throws SQLException;

	}

}
