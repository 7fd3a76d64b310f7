package dev.healthscore.jobs.recompute;

import java.io.ByteArrayInputStream;
import java.io.ObjectInputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.ReplicaFaults;
import dev.healthscore.jobs.ScoreAssertions;
import dev.healthscore.jobs.WriteGate;
import dev.healthscore.jobs.embedded.EmbeddedPostgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code recompute} on a primary and a real streaming replica: it reads the replica,
 * follows the lag policy when the replica lags, records the replayed point as
 * {@code inputs_as_of}, and survives a real recovery conflict with correct scores.
 */
@ExtendWith(OutputCaptureExtension.class)
class RecomputeFromReplicaIntegrationTests {

	private static final LocalDate FIRST = LocalDate.parse("2025-02-01");

	private static final LocalDate LAST = LocalDate.parse("2025-02-20");

	private static EmbeddedPostgresCluster cluster;

	private static JdbcTemplate primary;

	private static JdbcTemplate replica;

	@BeforeAll
	static void generate() throws Exception {
		cluster = EmbeddedPostgresCluster.start();
		primary = new JdbcTemplate(cluster.primaryDataSource());
		replica = new JdbcTemplate(cluster.replicaDataSource());
		assertThat(app("generate", "--users=60", "--days=20", "--end=" + LAST)).isZero();
		replica.execute("ALTER SYSTEM SET max_standby_streaming_delay = '100ms'");
		replica.execute("SELECT pg_reload_conf()");
		cluster.awaitCaughtUp(Duration.ofSeconds(30));
	}

	@AfterAll
	static void stop() {
		cluster.close();
	}

	@AfterEach
	void noDelay() {
		ReplicaFaults.removeDelay(cluster);
	}

	@Test
	void aLaggingReplicaWithinTheMaximumIsReadAndTheScoreSaysWhatItSaw() {
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		ReplicaFaults.delay(cluster, Duration.ofSeconds(30));
		primary.update("""
				INSERT INTO health_reading (user_id, metric, recorded_at, value, source, ingested_at)
				VALUES (1, 'steps', ?::date + time '12:00' AT TIME ZONE 'UTC', 49999, 'scale', now())""", LAST);
		assertThat(app("run", "recompute", "--from=" + LAST, "--to=" + LAST, "--users=1",
				"--healthscore.replica.max-lag=10m"))
			.isZero();
		assertThat(primary.queryForObject("""
				SELECT bool_and(s.inputs_as_of < r.ingested_at) FROM health_score s, health_reading r
				WHERE s.user_id = 1 AND r.user_id = 1 AND r.source = 'scale'""", Boolean.class)).isTrue();
	}

	@Test
	void underTheFailPolicyALaggingReplicaStopsTheJobWithExitCodeFour() {
		ReplicaFaults.delay(cluster, Duration.ofSeconds(30));
		primary.execute("SELECT txid_current()");
		await().atMost(Duration.ofSeconds(10)).until(() -> !caughtUp());
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST, "--users=2",
				"--healthscore.replica.lag-policy=fail", "--healthscore.replica.max-lag=1s",
				"--healthscore.replica.max-lag-bytes=0"))
			.isEqualTo(4);
	}

	@Test
	void aReplicaThatIsDownIsReplacedOrStopsTheJobWithExitCodeFourAndTheLogSaysWhyAndUnderWhichPolicy(
			CapturedOutput output) throws Exception {
		cluster.stopReplica();
		try {
			assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST, "--users=4",
					"--healthscore.replica.lag-policy=primary", "--healthscore.replica.connection-timeout=1s"))
				.isZero();
			assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST, "--users=5",
					"--healthscore.replica.lag-policy=wait", "--healthscore.replica.wait-timeout=1s",
					"--healthscore.replica.connection-timeout=1s"))
				.isEqualTo(4);
		}
		finally {
			cluster.startReplica();
		}
		// which server refused and why, without the pool's 'Connection is not available'
		// (also where the run goes on on the primary); and the policy the run had, not
		// 'too far behind (lag policy fail)'
		String replicaAddress = cluster.replicaJdbcUrl().replaceAll("^jdbc:postgresql://([^/]+)/.*$", "$1");
		String unreachable = "Replica is unreachable \\(Cannot query the replica: Connection to "
				+ Pattern.quote(replicaAddress) + " refused.*\\)";
		assertThat(output.getOut())
			.containsPattern(
					"WARN .* : " + unreachable + ": reading this range from the primary \\(lag policy primary\\)")
			.containsPattern("ERROR .* : recompute execution \\d+ ended FAILED; exit code 4: ReplicaLagException: "
					+ unreachable + " after waiting 1,000 ms \\(lag policy wait\\)")
			.doesNotContain("lag policy fail");
	}

	@Test
	void underThePrimaryPolicyALaggingReplicaIsBypassedAndThatIsRecorded() throws Exception {
		ReplicaFaults.delay(cluster, Duration.ofSeconds(30));
		primary.execute("SELECT txid_current()");
		await().atMost(Duration.ofSeconds(10)).until(() -> !caughtUp());
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST, "--users=3",
				"--healthscore.replica.lag-policy=primary", "--healthscore.replica.max-lag=1s",
				"--healthscore.replica.max-lag-bytes=0"))
			.isZero();
		assertThat(blocksFromPrimary()).isPositive();
	}

	@Test
	void aRecoveryConflictCancellingABlockIsRetriedAndTheScoresAreCorrect(CapturedOutput output) throws Exception {
		primary.execute("TRUNCATE health_score");
		try (Connection readings = cluster.primaryDataSource().getConnection();
				Connection users = cluster.primaryDataSource().getConnection()) {
			// replay takes the readings' lock: the job's first block waits for it on the
			// replica, holding its lock on app_user, which replay then needs too: replay
			// cancels the block after max_standby_streaming_delay
			lockOnPrimary(readings, "health_reading");
			CompletableFuture<Integer> job = CompletableFuture
				.supplyAsync(() -> app("run", "recompute", "--from=" + FIRST, "--to=" + LAST));
			await().atMost(Duration.ofSeconds(60))
				.until(() -> replica.queryForObject(
						"SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'",
						Long.class) > 0);
			lockOnPrimary(users, "app_user");
			await().atMost(Duration.ofSeconds(30))
				.until(() -> output.getOut()
					.contains("cancelled by a recovery conflict on the replica (attempt 1 of 4)"));
			readings.rollback();
			users.rollback();
			assertThat(job.get(120, TimeUnit.SECONDS)).isZero();
		}
		assertThat(ScoreAssertions.differences(primary, FIRST, LAST)).isEmpty();
	}

	@Test
	void aReplicaThatGoesAwayMidJobIsReplacedByThePrimaryUnderThePrimaryPolicy() throws Exception {
		primary.execute("TRUNCATE health_score");
		WriteGate.install(primary, "health_score");
		try {
			CompletableFuture<Integer> job;
			try (WriteGate gate = WriteGate.shut(cluster.primaryDataSource())) {
				// the pool gives up on the stopped replica after its connection timeout:
				// 1 s
				// here, not to wait out the default 5 s at each block
				job = CompletableFuture.supplyAsync(() -> app("run", "recompute", "--from=" + FIRST, "--to=" + LAST,
						"--healthscore.replica.lag-policy=primary", "--healthscore.replica.connection-timeout=1s",
						"--healthscore.recompute.chunk-size=5"));
				// held at its first write, each partition has read at most the blocks
				// read ahead: the rest must come from the primary
				gate.awaitWriterHeld();
				cluster.stopReplica();
			}
			assertThat(job.get(120, TimeUnit.SECONDS)).isZero();
			assertThat(blocksFromPrimary()).isPositive();
		}
		finally {
			WriteGate.remove(primary, "health_score");
			cluster.startReplica();
		}
		assertThat(ScoreAssertions.differences(primary, FIRST, LAST)).isEmpty();
	}

	/**
	 * Blocks the last execution read from the primary, from its steps' execution
	 * contexts.
	 */
	private static long blocksFromPrimary() throws Exception {
		List<String> contexts = primary.queryForList("""
				SELECT short_context FROM batch_step_execution_context c
				JOIN batch_step_execution s USING (step_execution_id)
				WHERE s.step_name LIKE 'recomputeScoresWorker:%'
				  AND s.job_execution_id = (SELECT max(job_execution_id) FROM batch_job_execution)""", String.class);
		long fromPrimary = 0;
		for (String context : contexts) {
			try (ObjectInputStream in = new ObjectInputStream(
					new ByteArrayInputStream(Base64.getDecoder().decode(context)))) {
				Object blocks = ((Map<?, ?>) in.readObject()).get("recomputeReader.blocksFromPrimary");
				fromPrimary += (blocks != null) ? ((Number) blocks).longValue() : 0;
			}
		}
		return fromPrimary;
	}

	private static boolean caughtUp() {
		return primary.queryForObject("SELECT pg_current_wal_lsn()::text", String.class)
			.equals(replica.queryForObject("SELECT pg_last_wal_replay_lsn()::text", String.class));
	}

	private static void lockOnPrimary(Connection connection, String table) throws SQLException {
		ReplicaFaults.lockReplayed(connection, table, primary, replica);
	}

	private static int app(String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		boolean chunkSizeGiven = all.stream().anyMatch((arg) -> arg.startsWith("--healthscore.recompute.chunk-size="));
		all.addAll(List.of("--spring.datasource.url=" + cluster.primaryJdbcUrl(),
				"--spring.datasource.username=postgres", "--healthscore.replica.url=" + cluster.replicaJdbcUrl()));
		if (!chunkSizeGiven) {
			all.add("--healthscore.recompute.chunk-size=20");
		}
		return HealthScoreApplication.run(all.toArray(String[]::new));
	}

}
