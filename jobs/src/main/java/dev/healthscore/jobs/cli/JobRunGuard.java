package dev.healthscore.jobs.cli;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import javax.sql.DataSource;

import dev.healthscore.io.Durations;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.util.Assert;

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
	static final int NAMESPACE = 0x48534352;

	/** The scope of a run over all of a job's work. */
	public static final String ALL = "all";

	/** How long a check of the guard's session waits for the database. */
	private static final int VALID_TIMEOUT_SECONDS = 5;

	private final DataSource dataSource;

	private final Duration heartbeat;

	/**
	 * Creates a guard whose held runs check their session every
	 * {@code healthscore.guard.heartbeat-interval}.
	 * @param dataSource the primary
	 * @param properties the guard's settings
	 */
	@Autowired
	public JobRunGuard(DataSource dataSource, GuardProperties properties) {
		this(dataSource, properties.heartbeatInterval());
	}

	/**
	 * Creates a guard whose held runs check their session every {@code heartbeat}.
	 * @param dataSource the primary
	 * @param heartbeat how often a held guard checks that its session is alive, see
	 * {@link Held#watch}; zero for never
	 */
	public JobRunGuard(DataSource dataSource, Duration heartbeat) {
		Assert.isTrue(!heartbeat.isNegative(),
				() -> "Invalid healthscore.guard.heartbeat-interval, must not be negative: "
						+ Durations.format(heartbeat));
		this.dataSource = dataSource;
		this.heartbeat = heartbeat;
	}

	/**
	 * Creates a guard whose held runs never check their session.
	 * @param dataSource the primary
	 */
	public JobRunGuard(DataSource dataSource) {
		this(dataSource, Duration.ZERO);
	}

	/**
	 * Tries to take the guard of {@code job} in {@code scope}.
	 * @return the held guard, to be closed when the run ends; {@code null} when another
	 * run holds it
	 */
	public Held tryAcquire(String job, String scope) throws SQLException {
		Connection connection = take(job, scope);
		return (connection != null) ? new Held(this, job, scope, connection) : null;
	}

	/**
	 * Takes the locks of {@code job} in {@code scope} on a new session.
	 * @return its connection, or null (and none left open) when another run holds them
	 */
	private Connection take(String job, String scope) throws SQLException {
		int all = key(job + "/" + ALL);
		Connection connection = this.dataSource.getConnection();
		try {
			connection.setAutoCommit(true);
			if (ALL.equals(scope)) {
				if (advisory(connection, "pg_try_advisory_lock", all)) {
					return connection;
				}
			}
			else if (advisory(connection, "pg_try_advisory_lock_shared", all)) {
				if (advisory(connection, "pg_try_advisory_lock", key(job + "/" + scope))) {
					return connection;
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

	/**
	 * Releases the locks of {@code job} in {@code scope} on their session.
	 * @return whether every one of them was held
	 */
	private static boolean release(Connection connection, String job, String scope) throws SQLException {
		int all = key(job + "/" + ALL);
		if (ALL.equals(scope)) {
			return advisory(connection, "pg_advisory_unlock", all);
		}
		boolean own = advisory(connection, "pg_advisory_unlock", key(job + "/" + scope));
		return advisory(connection, "pg_advisory_unlock_shared", all) && own;
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

	/**
	 * Returns whether some session holds the lock of a job's scope: that of
	 * {@code <job>/<scope>}, which a run over a shard holds besides its share of the
	 * job's {@value #ALL} lock. Reads {@code pg_locks} only: it takes no lock.
	 * @param jdbc the database of the guards
	 * @param job the job
	 * @param scope its shard, or {@value #ALL}
	 * @return whether a session holds it
	 */
	public static boolean isHeld(JdbcTemplate jdbc, String job, String scope) {
		return Boolean.TRUE.equals(jdbc.queryForObject("""
				SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = ?
				               AND objid::bigint = ? AND objsubid = 2 AND granted)""", Boolean.class,
				Integer.toUnsignedLong(NAMESPACE), Integer.toUnsignedLong(key(job + "/" + scope))));
	}

	/**
	 * Returns the first half of every advisory lock key of this application, for other
	 * locks that must not collide with the guards'.
	 * @return the {@code classid} of the locks in {@code pg_locks}
	 */
	public static int lockNamespace() {
		return NAMESPACE;
	}

	/**
	 * Returns the second half of the advisory lock key of a lock named {@code name} in
	 * {@link #lockNamespace()}; a guard's name is {@code <job>/<scope>}.
	 * @param name the lock's name
	 * @return the key
	 */
	public static int lockKey(String name) {
		return key(name);
	}

	/**
	 * Returns the second half of the advisory lock key of a job's scope: the lock is
	 * {@code classid = 0x48534352} and {@code objid} = this key as an unsigned number in
	 * {@code pg_locks}.
	 * @param name {@code <job>/<scope>}
	 * @return the key
	 */
	static int key(String name) {
		CRC32 crc = new CRC32();
		crc.update(name.getBytes(StandardCharsets.UTF_8));
		return (int) crc.getValue();
	}

	/**
	 * A guard held by this process; closing it lets the next run through. Closing never
	 * throws: the run it guarded has ended by then, and its outcome (and exit code) is
	 * what the caller reports. A session that ended before the run did (a dropped
	 * connection, a restarted primary) took its locks with it: {@link #watch} notices
	 * within a heartbeat and takes them again, or stops the run when another run took
	 * them first; without a watch, closing says so in the log.
	 */
	public static final class Held implements AutoCloseable {

		private final JobRunGuard guard;

		private final String job;

		private final String scope;

		/** The session holding the locks; null after it was lost, until taken again. */
		private Connection connection;

		/**
		 * The session of {@link #connection}, or of the last one: its backend's process
		 * id and start time, which together tell it from a later backend that reuses the
		 * process id.
		 */
		private Session session;

		private ScheduledExecutorService watcher;

		private boolean lost;

		private boolean closed;

		private Held(JobRunGuard guard, String job, String scope, Connection connection) {
			this.guard = guard;
			this.job = job;
			this.scope = scope;
			this.connection = connection;
			this.session = Session.of(connection);
		}

		/**
		 * Checks every heartbeat, until closed, that the guard's session is alive. When
		 * it ended, the guard is taken again on a new session if no other run holds it
		 * (no other run can be running then); when another run took it meanwhile, this
		 * run is no longer alone, and {@code onLost} is called, once, to stop it. Does
		 * nothing when the guard's heartbeat is zero.
		 * @param onLost what stops this run
		 */
		public synchronized void watch(Runnable onLost) {
			if (this.closed || this.watcher != null || this.guard.heartbeat.isZero()) {
				return;
			}
			this.watcher = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "job-guard-" + this.job);
				thread.setDaemon(true);
				return thread;
			});
			long millis = Math.max(1, this.guard.heartbeat.toMillis());
			this.watcher.scheduleWithFixedDelay(() -> check(onLost), millis, millis, TimeUnit.MILLISECONDS);
		}

		private void check(Runnable onLost) {
			synchronized (this) {
				if (this.closed || this.lost || alive()) {
					return;
				}
				// asked first: a backend seen without its locks never takes them again
				// (its connection is gone), so a re-take that fails after this is
				// another run's, not the ended session letting go of them meanwhile
				boolean heldByEndedSession = heldByEndedSession();
				Connection again;
				try {
					again = this.guard.take(this.job, this.scope);
				}
				catch (SQLException | RuntimeException ex) {
					logger.warn(
							"The guard of {} ({}) lost its database session and cannot take it again yet ({});"
									+ " trying again in {}",
							this.job, this.scope, ex.getMessage(), Durations.format(this.guard.heartbeat));
					return;
				}
				if (again != null) {
					this.connection = again;
					this.session = Session.of(again);
					logger.warn("The guard of {} ({}) lost its database session and took its locks again on a new"
							+ " one: no other run of the job holds them", this.job, this.scope);
					return;
				}
				if (heldByEndedSession) {
					logger.warn(
							"The guard of {} ({}) lost its database session, which still holds its locks while"
									+ " it ends; trying again in {}",
							this.job, this.scope, Durations.format(this.guard.heartbeat));
					return;
				}
				this.lost = true;
				this.watcher.shutdown();
			}
			logger.error("The guard of {} ({}) lost its database session and another run of the job took it"
					+ " meanwhile: stopping this run after its current chunk", this.job, this.scope);
			try {
				onLost.run();
			}
			catch (RuntimeException ex) {
				logger.error("Could not stop the run of {} ({}) whose guard was lost", this.job, this.scope, ex);
			}
		}

		/**
		 * Whether the session holding the locks is alive. When it is not, its connection
		 * is aborted, not returned to the pool: a session that was only slow to answer
		 * ends with it, and its locks.
		 */
		private boolean alive() {
			if (this.connection == null) {
				return false;
			}
			try {
				if (this.connection.isValid(VALID_TIMEOUT_SECONDS)) {
					return true;
				}
			}
			catch (SQLException ex) {
				// not alive either
			}
			try {
				this.connection.abort(Runnable::run);
			}
			catch (SQLException | RuntimeException ex) {
				logger.warn("Could not abort the connection of the guard of {} ({}): {}", this.job, this.scope,
						ex.getMessage());
			}
			try {
				this.connection.close(); // back to the pool, which sees it is closed
			}
			catch (SQLException | RuntimeException ex) {
				// ended either way
			}
			this.connection = null;
			return false;
		}

		/**
		 * Whether the ended session's backend still holds an advisory lock (it may not
		 * have noticed yet that its connection is gone); true when that cannot be told.
		 */
		private boolean heldByEndedSession() {
			if (this.session == null) {
				return true;
			}
			try (Connection connection = this.guard.dataSource.getConnection();
					PreparedStatement ps = connection.prepareStatement("""
							SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
							               WHERE l.locktype = 'advisory' AND l.granted AND l.pid = ?
							                 AND a.backend_start = ?)""")) {
				ps.setInt(1, this.session.pid());
				ps.setObject(2, this.session.started());
				try (ResultSet rs = ps.executeQuery()) {
					rs.next();
					return rs.getBoolean(1);
				}
			}
			catch (SQLException ex) {
				return true;
			}
		}

		@Override
		public synchronized void close() {
			if (this.closed) {
				return;
			}
			this.closed = true;
			if (this.watcher != null) {
				this.watcher.shutdownNow();
			}
			if (this.connection == null) {
				logger.warn("The guard of {} ({}) was lost before its run ended: its database session ended,"
						+ " and another run of the job may have started meanwhile", this.job, this.scope);
				return;
			}
			try {
				if (!release(this.connection, this.job, this.scope)) {
					logger.warn("The guard of {} ({}) was no longer held when its run ended", this.job, this.scope);
				}
			}
			catch (SQLException ex) {
				logger.warn(
						"The guard of {} ({}) was lost before its run ended: its database session ended ({}),"
								+ " and its locks with it, so another run of the job may have started meanwhile",
						this.job, this.scope, ex.getMessage());
			}
			finally {
				closeQuietly();
			}
		}

		private void closeQuietly() {
			try {
				this.connection.close();
			}
			catch (SQLException ex) {
				logger.warn("Could not close the connection of the guard of {} ({}): {}", this.job, this.scope,
						ex.getMessage());
			}
			this.connection = null;
		}

	}

	/** A database session: its backend's process id and when the backend started. */
	private record Session(int pid, OffsetDateTime started) {

		/** The session of a connection, or null when it cannot be told. */
		static Session of(Connection connection) {
			try (PreparedStatement ps = connection
				.prepareStatement("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()");
					ResultSet rs = ps.executeQuery()) {
				return rs.next() ? new Session(rs.getInt(1), rs.getObject(2, OffsetDateTime.class)) : null;
			}
			catch (SQLException ex) {
				return null;
			}
		}

	}

}
