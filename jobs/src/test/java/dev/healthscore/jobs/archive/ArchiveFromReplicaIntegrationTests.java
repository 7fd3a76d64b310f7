package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.ReplicaFaults;
import dev.healthscore.jobs.embedded.EmbeddedPostgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code archive} on a primary and a real streaming replica: the partitions are exported
 * and checksummed on the replica, only once it has replayed what the primary held when
 * the step began; the comparison before the drop is made with the primary's partition
 * locked against writes, so a write the replica had not replayed yet stops the drop
 * instead of being lost.
 */
@ExtendWith(OutputCaptureExtension.class)
class ArchiveFromReplicaIntegrationTests {

	private static final Instant NOW = ArchiveTestServers.NOW;

	private static final Instant AFTER_GRACE = NOW.plus(Duration.ofDays(8));

	private static EmbeddedPostgresCluster cluster;

	private static EmbeddedS3Server s3;

	@BeforeAll
	static void generateAndRecompute() throws Exception {
		cluster = EmbeddedPostgresCluster.start();
		s3 = EmbeddedS3Server.inMemory();
		s3.createBucket(ArchiveTestServers.BUCKET);
		System.setProperty("aws.accessKeyId", s3.accessKey());
		System.setProperty("aws.secretAccessKey", s3.secretKey());
		new JdbcTemplate(cluster.primaryDataSource()).execute("CREATE DATABASE seeded");
		assertThat(app("seeded", NOW, "generate", "--users=12", "--days=45", "--seed=3", "--end=2025-02-10")).isZero();
		assertThat(app("seeded", NOW, "run", "recompute", "--from=2024-12-28", "--to=2025-02-10")).isZero();
	}

	@AfterAll
	static void stop() throws Exception {
		System.clearProperty("aws.accessKeyId");
		System.clearProperty("aws.secretAccessKey");
		s3.close();
		cluster.close();
	}

	@AfterEach
	void noDelay() {
		ReplicaFaults.removeDelay(cluster);
	}

	@Test
	void exportAndComparisonsReadTheReplicaAndWhatIsDroppedMatchedTheSource(CapturedOutput output) {
		JdbcTemplate primary = database("replica_read");
		Map<String, String> source = checksums(primary);
		assertThat(app("replica_read", NOW, "run", "archive")).isZero();
		assertThat(app("replica_read", AFTER_GRACE, "run", "archive")).isZero();
		assertThat(states(primary)).containsOnly("DROPPED").hasSize(4);
		assertThat(recordedChecksums(primary)).isEqualTo(source);
		assertThat(output.getOut()).contains("export of health_reading_2024_12 reads the replica")
			.contains("comparison of health_reading_2024_12 reads the replica")
			.contains("last comparison of health_reading_2024_12 reads the replica")
			.doesNotContain("reading this range from the primary");
	}

	@Test
	void aWriteToADetachedPartitionThatTheReplicaHasNotReplayedStopsTheDrop(CapturedOutput output) {
		JdbcTemplate primary = database("late_write");
		assertThat(app("late_write", NOW, "run", "archive")).isZero();
		assertThat(states(primary)).containsOnly("DETACHED");
		ReplicaFaults.delay(cluster, Duration.ofSeconds(3));
		primary.update("""
				INSERT INTO health_reading_2024_12 (user_id, metric, recorded_at, value, source, ingested_at)
				VALUES (1, 'steps', '2024-12-15T12:00:00Z', 1234, 'written-after-detach', now())""");
		assertThat(app("late_write", AFTER_GRACE, "run", "archive", "--healthscore.replica.max-lag=10m")).isEqualTo(1);
		assertThat(output.getOut()).contains("not yet up to").contains("does not match its source");
		assertThat(primary.queryForObject(
				"SELECT count(*) FROM health_reading_2024_12 WHERE source = 'written-after-detach'", Long.class))
			.isOne();
		assertThat(primary.queryForObject(
				"SELECT state FROM archive_ledger WHERE table_name = 'health_reading' AND month = '2024-12-01'",
				String.class))
			.isNotEqualTo("DROPPED");
	}

	@Test
	void anExportWhoseReplicaSessionEndedIsDoneAgainWhereTheLagPolicySays(CapturedOutput output) throws Exception {
		JdbcTemplate primary = database("lost_replica");
		JdbcTemplate replica = new JdbcTemplate(new DriverManagerDataSource(
				url(cluster.replicaJdbcUrl(), "lost_replica"), EmbeddedPostgresCluster.USERNAME, ""));
		try (Connection lock = primary.getDataSource().getConnection()) {
			// replayed on the replica, the lock keeps the month's export waiting there
			ReplicaFaults.lockReplayed(lock, "health_reading_2024_12", primary, replica);
			CompletableFuture<Integer> run = CompletableFuture
				.supplyAsync(() -> app("lost_replica", NOW, "run", "archive"));
			ReplicaFaults.endSessionWaitingOnLock(replica);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> output.getOut().contains("export of health_reading_2024_12: lost the connection")
						&& output.getOut().contains("asking the lag policy again"));
			lock.rollback();
			assertThat(run.get(60, TimeUnit.SECONDS)).isZero();
		}
		assertThat(states(primary)).containsOnly("DETACHED").hasSize(4);
	}

	@Test
	void underThePrimaryPolicyALaggingReplicaIsBypassed(CapturedOutput output) {
		JdbcTemplate primary = database("primary_policy");
		ReplicaFaults.delay(cluster, Duration.ofSeconds(60));
		primary.execute("SELECT txid_current()");
		assertThat(app("primary_policy", NOW, "run", "archive", "--healthscore.replica.lag-policy=primary",
				"--healthscore.replica.max-lag=1s", "--healthscore.replica.max-lag-bytes=0"))
			.isZero();
		assertThat(states(primary)).containsOnly("DETACHED").hasSize(4);
		assertThat(output.getOut()).contains("reading this range from the primary").doesNotContain("reads the replica");
	}

	/** A copy of the seeded database, on the primary and (replayed) on the replica. */
	private static JdbcTemplate database(String name) {
		new JdbcTemplate(cluster.primaryDataSource()).execute("CREATE DATABASE " + name + " TEMPLATE seeded");
		cluster.awaitCaughtUp(Duration.ofSeconds(30));
		DriverManagerDataSource dataSource = new DriverManagerDataSource(url(cluster.primaryJdbcUrl(), name),
				EmbeddedPostgresCluster.USERNAME, "");
		return new JdbcTemplate(dataSource);
	}

	private static Map<String, String> checksums(JdbcTemplate jdbc) {
		Map<String, String> checksums = new HashMap<>();
		ArchiveTestServers.checksums(jdbc)
			.forEach((partition, checksum) -> checksums.put(partition, checksum.checksum()));
		return checksums;
	}

	private static Map<String, String> recordedChecksums(JdbcTemplate jdbc) {
		Map<String, String> checksums = new HashMap<>();
		jdbc.query("SELECT partition_name, checksum FROM archive_ledger",
				(RowCallbackHandler) (rs) -> checksums.put(rs.getString(1), rs.getString(2)));
		return checksums;
	}

	private static List<String> states(JdbcTemplate jdbc) {
		return jdbc.queryForList("SELECT state FROM archive_ledger ORDER BY table_name, month", String.class);
	}

	private static String url(String postgresUrl, String database) {
		return postgresUrl.substring(0, postgresUrl.lastIndexOf('/') + 1) + database;
	}

	private static int app(String database, Instant now, String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.add("--spring.datasource.url=" + url(cluster.primaryJdbcUrl(), database));
		all.add("--spring.datasource.username=" + EmbeddedPostgresCluster.USERNAME);
		all.add("--healthscore.replica.url=" + url(cluster.replicaJdbcUrl(), database));
		all.add("--healthscore.archive.endpoint=" + s3.endpoint());
		all.add("--healthscore.archive.region=" + s3.region().id());
		all.add("--healthscore.archive.bucket=" + ArchiveTestServers.BUCKET);
		all.add("--healthscore.archive.prefix=" + database);
		all.add("--healthscore.archive.target-file-size=256KB");
		all.add("--healthscore.archive.row-group-size=128KB");
		return HealthScoreApplication.run(Map.of("clock", Clock.fixed(now, ZoneOffset.UTC)),
				all.toArray(String[]::new));
	}

}
