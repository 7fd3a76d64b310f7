package dev.healthscore.io.score;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Marks the current transaction as this system's score writer, so that the
 * {@code health_score} deletion trigger does not log its deletes as missing scores for
 * the next reconcile (migration V5): the writers delete only rows whose day lost its
 * inputs, which the jobs have just recomputed or audited themselves.
 */
final class OwnDeletes {

	/** The setting the trigger's {@code WHEN} condition reads. */
	static final String SETTING = "healthscore.writer";

	/** The value that marks the score writers. */
	static final String BATCH = "batch";

	private static final String MARK_SQL = "SELECT set_config('" + SETTING + "', '" + BATCH + "', true)";

	private OwnDeletes() {
	}

	/**
	 * Marks the connection's current transaction; outside a transaction (autocommit) the
	 * mark ends with this statement and the deletes that follow are logged, which costs a
	 * second look at those days, never a missed deletion.
	 */
	static void mark(Connection connection) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement(MARK_SQL)) {
			ps.execute();
		}
	}

}
