package dev.healthscore.jobs.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;

import javax.sql.DataSource;

import dev.healthscore.io.embedded.PostgresTemplate;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.FileSystemUtils;

/**
 * A primary and two streaming standbys of it, to fail over: promote one standby, keep the
 * other on the old timeline (the old primary stopped, or writing on: split brain), or
 * point it at the promoted one to follow it onto the new timeline.
 */
public final class FailoverCluster implements AutoCloseable {

	private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

	private final Path directory;

	private final EmbeddedPostgres[] servers = new EmbeddedPostgres[3];

	private final int[] ports = new int[3];

	private FailoverCluster(Path directory) {
		this.directory = directory;
	}

	/** Starts the primary (0) and two standbys of it (1 and 2), each with its slot. */
	public static FailoverCluster start() throws IOException, SQLException {
		FailoverCluster cluster = new FailoverCluster(Files.createTempDirectory("healthscore-failover-"));
		try {
			// kept when stopped, to start again; close() removes the directory
			cluster.servers[0] = PostgresTemplate.start(configured(), cluster.directory.resolve("server0"));
			for (int standby = 1; standby <= 2; standby++) {
				Path data = cluster.directory.resolve("server" + standby);
				new JdbcTemplate(cluster.dataSource(0))
					.queryForList("SELECT pg_create_physical_replication_slot(?, true)", slot(standby));
				BaseBackup.take(cluster.dataSource(0), cluster.directory.resolve("server0"), data,
						"standby " + standby);
				Files.createFile(data.resolve("standby.signal"));
				Files.writeString(data.resolve("postgresql.auto.conf"),
						"\n" + conninfo(cluster.servers[0].getPort(), standby) + "\n", StandardCharsets.UTF_8,
						StandardOpenOption.APPEND);
				cluster.servers[standby] = configured().setDataDirectory(data).setCleanDataDirectory(false).start();
			}
			return cluster;
		}
		catch (IOException | SQLException | RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	/** An unpooled data source on server {@code index}'s {@code postgres} database. */
	public DataSource dataSource(int index) {
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		dataSource.setURL(
				String.format(Locale.ROOT, "jdbc:postgresql://localhost:%d/postgres", this.servers[index].getPort()));
		dataSource.setUser(EmbeddedPostgresCluster.USERNAME);
		return dataSource;
	}

	/** The port server {@code index} listens on. */
	public int port(int index) {
		return this.servers[index].getPort();
	}

	/** A JdbcTemplate on server {@code index}. */
	public JdbcTemplate jdbc(int index) {
		return new JdbcTemplate(dataSource(index));
	}

	/** Promotes standby {@code index}: it leaves recovery on a new timeline. */
	public void promote(int index) {
		if (!Boolean.TRUE.equals(jdbc(index).queryForObject("SELECT pg_promote(true, 60)", Boolean.class))) {
			throw new IllegalStateException("Standby " + index + " was not promoted within 60 s");
		}
	}

	/** Stops server {@code index} (fast shutdown: its standbys receive all its WAL). */
	public void stop(int index) throws IOException {
		EmbeddedPostgres server = this.servers[index];
		this.ports[index] = server.getPort();
		this.servers[index] = null;
		server.close();
	}

	/** Starts server {@code index} again, stopped, on its port. */
	public void restart(int index) throws IOException {
		this.servers[index] = configured().setDataDirectory(this.directory.resolve("server" + index))
			.setCleanDataDirectory(false)
			.setPort(this.ports[index])
			.start();
	}

	/**
	 * Points standby {@code index} at server {@code upstream} through a new slot there; a
	 * standby follows the upstream's latest timeline ({@code recovery_target_timeline} is
	 * {@code latest} by default).
	 */
	public void follow(int index, int upstream) {
		jdbc(upstream).queryForList("SELECT pg_create_physical_replication_slot(?, true)", slot(index));
		JdbcTemplate standby = jdbc(index);
		for (String setting : conninfo(this.servers[upstream].getPort(), index).split("\n")) {
			standby.execute("ALTER SYSTEM SET " + setting);
		}
		// a reload restarts the WAL receiver on the new upstream
		standby.queryForObject("SELECT pg_reload_conf()", Boolean.class);
	}

	/** Waits until standby {@code index} has replayed server {@code upstream}'s WAL. */
	public void awaitReplayed(int index, int upstream, Duration timeout) {
		String inserted = jdbc(upstream).queryForObject("SELECT pg_current_wal_insert_lsn()::text", String.class);
		ReplicaWait.until(timeout, "standby " + index + " to replay up to " + inserted, () -> Boolean.TRUE.equals(
				jdbc(index).queryForObject("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn", Boolean.class, inserted)));
	}

	private static String conninfo(int port, int standby) {
		return String.format(Locale.ROOT,
				"primary_conninfo = 'host=127.0.0.1 port=%d user=%s application_name=%s'\nprimary_slot_name = '%s'",
				port, EmbeddedPostgresCluster.USERNAME, slot(standby), slot(standby));
	}

	private static String slot(int standby) {
		return "standby" + standby;
	}

	private static EmbeddedPostgres.Builder configured() {
		EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
		ReplicationSetup.settings().forEach(builder::setServerConfig);
		return builder.setPGStartupWait(STARTUP_WAIT);
	}

	/** Stops every server still running and removes their directories. */
	@Override
	public void close() {
		for (int i = this.servers.length - 1; i >= 0; i--) {
			if (this.servers[i] != null) {
				try {
					this.servers[i].close();
				}
				catch (IOException ex) {
					// removed below all the same
				}
				this.servers[i] = null;
			}
		}
		FileSystemUtils.deleteRecursively(this.directory.toFile());
	}

}
