package dev.healthscore.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import dev.healthscore.jobs.embedded.EmbeddedPostgresCluster;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.awaitility.Awaitility.await;

/**
 * What the replica tests do to a real replica: make it apply the primary's commits late,
 * hold a lock that it replays, and end a session of it as a restart would.
 */
public final class ReplicaFaults {

	private ReplicaFaults() {
	}

	/**
	 * Sets the replica's apply delay; retried, since the test's own query on the replica
	 * can lose a recovery conflict too.
	 */
	public static void delay(EmbeddedPostgresCluster cluster, Duration delay) {
		await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
			cluster.setApplyDelay(delay);
			return true;
		});
	}

	/** Removes the delay and waits until the replica has replayed everything. */
	public static void removeDelay(EmbeddedPostgresCluster cluster) {
		delay(cluster, Duration.ZERO);
		cluster.awaitCaughtUp(Duration.ofSeconds(30));
	}

	/**
	 * Takes an {@code ACCESS EXCLUSIVE} lock on {@code table} in a transaction of
	 * {@code lock} that stays open, and waits until the replica holds it too, by replay:
	 * a query of the table on the replica then waits until {@code lock} ends.
	 */
	public static void lockReplayed(Connection lock, String table, JdbcTemplate primary, JdbcTemplate replica)
			throws SQLException {
		lock.setAutoCommit(false);
		try (Statement statement = lock.createStatement()) {
			statement.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
		}
		// a commit of another transaction sends the lock's WAL on
		primary.queryForObject("SELECT txid_current()", Long.class);
		await().atMost(Duration.ofSeconds(10)).until(() -> replica.queryForObject("""
				SELECT count(*) FROM pg_locks
				WHERE relation = ?::regclass AND mode = 'AccessExclusiveLock' AND granted""", Long.class, table) > 0);
	}

	/**
	 * Waits until a client session on the replica waits for a lock, then ends it
	 * ({@code pg_terminate_backend}), as a restart of the replica would.
	 */
	public static void endSessionWaitingOnLock(JdbcTemplate replica) {
		String waiting = "FROM pg_stat_activity WHERE backend_type = 'client backend' AND wait_event_type = 'Lock'";
		await().atMost(Duration.ofSeconds(30))
			.until(() -> replica.queryForObject("SELECT count(*) " + waiting, Long.class) > 0);
		replica.queryForList("SELECT pg_terminate_backend(pid) " + waiting);
	}

}
