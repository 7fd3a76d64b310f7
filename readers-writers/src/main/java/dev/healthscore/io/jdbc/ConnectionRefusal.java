package dev.healthscore.io.jdbc;

import java.sql.SQLException;

/**
 * Tells, by SQL state, a connection that PostgreSQL or the network refused from other SQL
 * failures, and a refusal that only a change of configuration mends from one that can
 * mend by itself. Each test looks at one exception; callers walk a chain with
 * {@link dev.healthscore.io.Causes}.
 */
public final class ConnectionRefusal {

	private ConnectionRefusal() {
	}

	/**
	 * Whether an exception is a refused connection: SQL state class 08 (connection
	 * exception: refused, timed out, unknown host) or 28 (invalid authorization), 3D000
	 * (no such database), 53300 (too many connections) or 57P03 (cannot connect now: the
	 * server is starting up or recovering).
	 * @param failure one exception of a chain
	 * @return whether it is one
	 */
	public static boolean isRefusal(Throwable failure) {
		String state = state(failure);
		return state != null && (state.startsWith("08") || needsConfiguration(state) || state.equals("53300")
				|| state.equals("57P03"));
	}

	/**
	 * Whether an exception is a refusal that no wait mends: SQL state class 28 (a wrong
	 * password or user, or no {@code pg_hba.conf} entry for it) or 3D000 (no such
	 * database).
	 * @param failure one exception of a chain
	 * @return whether it is one
	 */
	public static boolean needsConfiguration(Throwable failure) {
		String state = state(failure);
		return state != null && needsConfiguration(state);
	}

	/**
	 * Whether a SQL state is one of {@link #needsConfiguration(Throwable)}'s.
	 * @param state a SQL state
	 * @return whether it is
	 */
	public static boolean needsConfiguration(String state) {
		return state.startsWith("28") || state.equals("3D000");
	}

	private static String state(Throwable failure) {
		return (failure instanceof SQLException sql) ? sql.getSQLState() : null;
	}

}
