package dev.healthscore.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.awaitility.Awaitility.await;

/**
 * Holds a job's writes to a table until the test lets them through, so that the test acts
 * while the job is certainly mid-way instead of racing a fixed delay: a statement trigger
 * on the table waits for a shared advisory lock that the closed gate holds exclusively.
 * An open gate (the default) lets every write through at once; a writer left waiting
 * gives up after a minute, failing its job.
 */
public final class WriteGate implements AutoCloseable {

	/** A one-part advisory lock key, apart from the application's two-part keys. */
	private static final long KEY = 48_151_623L;

	private final Connection holder;

	private WriteGate(Connection holder) {
		this.holder = holder;
	}

	/**
	 * Puts the gate on a table's inserts (a trigger named after the table).
	 * @param jdbc the primary
	 * @param table the table
	 */
	public static void install(JdbcTemplate jdbc, String table) {
		jdbc.execute(String.format(Locale.ROOT, """
				CREATE OR REPLACE FUNCTION write_gate() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				  PERFORM set_config('lock_timeout', '60s', true);
				  PERFORM pg_advisory_xact_lock_shared(%d);
				  RETURN NULL;
				END $$""", KEY));
		jdbc.execute(
				"CREATE TRIGGER write_gate_%1$s AFTER INSERT ON %1$s FOR EACH STATEMENT EXECUTE FUNCTION write_gate()"
					.formatted(table));
	}

	/**
	 * Takes the gate off a table.
	 * @param jdbc the primary
	 * @param table the table
	 */
	public static void remove(JdbcTemplate jdbc, String table) {
		jdbc.execute("DROP TRIGGER write_gate_%1$s ON %1$s".formatted(table));
	}

	/**
	 * Closes the gate: writes wait from now until {@link #close()}.
	 * @param primary the database the gated writes go to
	 * @return the closed gate
	 */
	public static WriteGate shut(DataSource primary) throws SQLException {
		Connection holder = primary.getConnection();
		try {
			call(holder, "pg_advisory_lock");
		}
		catch (SQLException ex) {
			holder.close();
			throw ex;
		}
		return new WriteGate(holder);
	}

	/** Waits until a write is held at the gate. */
	public void awaitWriterHeld() {
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
			try (PreparedStatement ps = this.holder.prepareStatement("""
					SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
					AND classid = 0 AND objid = ?::oid AND objsubid = 1""")) {
				ps.setLong(1, KEY);
				try (ResultSet rs = ps.executeQuery()) {
					return rs.next() && rs.getLong(1) > 0;
				}
			}
		});
	}

	/** Opens the gate: the held writes and every later one go through. */
	@Override
	public void close() throws SQLException {
		try (Connection holder = this.holder) {
			call(holder, "pg_advisory_unlock");
		}
	}

	/** Calls an advisory lock function on the gate's key. */
	private static void call(Connection connection, String function) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement("SELECT " + function + "(?)")) {
			ps.setLong(1, KEY);
			ps.execute();
		}
	}

}
