package dev.healthscore.jobs.cli;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.zip.CRC32;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * A database-level guard that lets one run of a job at a time through, whoever starts it
 * (an ECS task, the Quartz scheduler, a person): a PostgreSQL session advisory lock on
 * the primary, held on its own connection for the whole run and released when the run
 * ends or its process dies.
 *
 * <p>
 * Runs of the same job with different parameters are treated as overlapping: two
 * recomputes of any ranges would write the same users' rows, and the cost of waiting for
 * the next firing is lower than that of reasoning about every overlap. Work that is meant
 * to run side by side names a distinct {@code scope} (e.g. a shard): it holds its scope's
 * lock and shares the job's {@value #ALL} lock with the other scopes, so a run over all
 * of the job's work waits for every scope, and every scope for it.
 */
@Component
public class JobRunGuard {

	private static final Logger logger = LoggerFactory.getLogger(JobRunGuard.class);

	/** First half of every lock key: "HSCR" in ASCII, so our locks are recognisable. */
	private static final int NAMESPACE = 0x48534352;

	/** The scope of a run over all of a job's work. */
	public static final String ALL = "all";

	private final DataSource dataSource;

	public JobRunGuard(DataSource dataSource) {
		this.dataSource = dataSource;
	}

	/**
	 * Tries to take the guard of {@code job} in {@code scope}.
	 * @return the held guard, to be closed when the run ends; {@code null} when another
	 * run holds it
	 */
	public Held tryAcquire(String job, String scope) throws SQLException {
		int all = key(job + "/" + ALL);
		Connection connection = this.dataSource.getConnection();
		try {
			connection.setAutoCommit(true);
			if (ALL.equals(scope)) {
				if (advisory(connection, "pg_try_advisory_lock", all)) {
					return new Held(job, scope, connection, new String[] { "pg_advisory_unlock" }, new int[] { all });
				}
			}
			else if (advisory(connection, "pg_try_advisory_lock_shared", all)) {
				int own = key(job + "/" + scope);
				if (advisory(connection, "pg_try_advisory_lock", own)) {
					return new Held(job, scope, connection,
							new String[] { "pg_advisory_unlock", "pg_advisory_unlock_shared" }, new int[] { own, all });
				}
				advisory(connection, "pg_advisory_unlock_shared", all);
			}
		}
		catch (SQLException | RuntimeException ex) {
			connection.close();
			throw ex;
		}
		connection.close();
		return null;
	}

	private static boolean advisory(Connection connection, String function, int key) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement("SELECT " + function + "(?, ?)")) {
			ps.setInt(1, NAMESPACE);
			ps.setInt(2, key);
			try (ResultSet rs = ps.executeQuery()) {
				rs.next();
				return rs.getBoolean(1);
			}
		}
	}

	private static int key(String name) {
		CRC32 crc = new CRC32();
		crc.update(name.getBytes(StandardCharsets.UTF_8));
		return (int) crc.getValue();
	}

	/**
	 * A guard held by this process; closing it lets the next run through. Closing never
	 * throws: the run it guarded has ended by then, and its outcome (and exit code) is
	 * what the caller reports. A session that ended before the run did (a dropped
	 * connection, a restarted primary) took its locks with it; closing then says so in
	 * the log.
	 */
	public static final class Held implements AutoCloseable {

		private final String job;

		private final String scope;

		private final Connection connection;

		private final String[] unlocks;

		private final int[] keys;

		private boolean closed;

		private Held(String job, String scope, Connection connection, String[] unlocks, int[] keys) {
			this.job = job;
			this.scope = scope;
			this.connection = connection;
			this.unlocks = unlocks;
			this.keys = keys;
		}

		@Override
		public void close() {
			if (this.closed) {
				return;
			}
			this.closed = true;
			try {
				for (int i = 0; i < this.keys.length; i++) {
					if (!advisory(this.connection, this.unlocks[i], this.keys[i])) {
						logger.warn("The guard of {} ({}) was no longer held when its run ended", this.job, this.scope);
					}
				}
			}
			catch (SQLException ex) {
				logger.warn(
						"The guard of {} ({}) was lost before its run ended: its database session ended ({}),"
								+ " and its locks with it, so another run of the job may have started meanwhile",
						this.job, this.scope, ex.getMessage());
			}
			finally {
				try {
					this.connection.close();
				}
				catch (SQLException ex) {
					logger.warn("Could not close the connection of the guard of {} ({}): {}", this.job, this.scope,
							ex.getMessage());
				}
			}
		}

	}

}
