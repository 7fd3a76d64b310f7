package dev.healthscore.jobs.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

/**
 * How the embedded primary and replica are set up for physical streaming replication:
 * their server settings, the primary's replication slot, the replica's standby files.
 */
final class ReplicationSetup {

	/** The physical slot that keeps the primary's WAL until the replica has it. */
	static final String REPLICATION_SLOT = "healthscore_replica";

	private ReplicationSetup() {
	}

	/**
	 * The settings both servers start with. On the command line they override the
	 * configuration files, so nothing a test changes with ALTER SYSTEM belongs here.
	 */
	static Map<String, String> settings() {
		Map<String, String> settings = new LinkedHashMap<>();
		// throwaway databases: durability traded for speed; never for production data.
		// synchronous_commit back on (zonky defaults it to off): with fsync off it costs
		// little, and with it off every commit, a job's own included, reaches the replica
		// only when the WAL writer next writes it (up to 3 x wal_writer_delay), so jobs
		// waiting for the replica to replay their writes would wait that long. Correct
		// either way: the replica gate waits for the inserted WAL (ReplicaLagProbe)
		settings.put("fsync", "off");
		settings.put("synchronous_commit", "on");
		settings.put("full_page_writes", "off");
		settings.put("shared_buffers", "512MB");
		settings.put("max_wal_size", "4GB");
		settings.put("work_mem", "32MB");
		settings.put("maintenance_work_mem", "256MB");
		// replication (wal_level, senders and slots are PostgreSQL's defaults, stated
		// here because the replica depends on them)
		settings.put("wal_level", "replica");
		settings.put("max_wal_senders", "4");
		settings.put("max_replication_slots", "4");
		settings.put("hot_standby", "on");
		settings.put("wal_receiver_status_interval", "1s");
		return settings;
	}

	static void createSlot(DataSource primary) throws SQLException {
		try (Connection connection = primary.getConnection();
				PreparedStatement ps = connection
					.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
			ps.setString(1, REPLICATION_SLOT);
			ps.execute();
		}
	}

	static void writeStandbyConfiguration(Path replicaDirectory, int primaryPort) throws IOException {
		Files.createFile(replicaDirectory.resolve("standby.signal"));
		String settings = String.format(Locale.ROOT, """

				# written by EmbeddedPostgresCluster: stream from the primary through its slot
				primary_conninfo = 'host=127.0.0.1 port=%d user=%s application_name=%s'
				primary_slot_name = '%s'
				""", primaryPort, EmbeddedPostgresCluster.USERNAME, REPLICATION_SLOT, REPLICATION_SLOT);
		Files.writeString(replicaDirectory.resolve("postgresql.auto.conf"), settings, StandardCharsets.UTF_8,
				StandardOpenOption.APPEND);
	}

}
