package dev.healthscore.jobs.reconcile;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.ReplicaFaults;
import dev.healthscore.jobs.ScoreAssertions;
import dev.healthscore.jobs.embedded.EmbeddedPostgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code reconcile} on a primary and a real streaming replica: the suspects' readings and
 * the full check's checksums are read on the replica, and only once it has replayed what
 * the detection saw on the primary, or where the lag policy says. A replica that applies
 * commits late (its apply delay) shows the difference: read at once, it has neither the
 * suspects nor the changes that made them.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReconcileFromReplicaIntegrationTests {

	private static final LocalDate LAST = LocalDate.parse("2025-02-20");

	private static final LocalDate FIRST = LAST.minusDays(19);

	private static final LocalDate DAY = LAST.minusDays(5);

	private static final Duration DELAY = Duration.ofSeconds(3);

	/**
	 * Sleep minutes from a new source: the most of any source, a sleep component of 0,
	 * and so a different score, whatever the day held.
	 */
	private static final double OVERSLEPT = 1400;

	private static EmbeddedPostgresCluster cluster;

	private static JdbcTemplate primary;

	private static ReconcileScenario scenario;

	@BeforeAll
	static void generateAndRecompute() throws Exception {
		cluster = EmbeddedPostgresCluster.start();
		primary = new JdbcTemplate(cluster.primaryDataSource());
		scenario = new ReconcileScenario(cluster.primaryDataSource());
		assertThat(app("generate", "--users=40", "--days=20", "--seed=5", "--end=" + LAST)).isZero();
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
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
	void theSuspectsReadingsAndTheFullChecksChecksumsAreReadOnTheReplica(@TempDir Path dir, CapturedOutput output) {
		List<Long> users = scenario.liveUsers();
		scenario.lateReading(users.get(0), "sleep_minutes", DAY, "12:00", OVERSLEPT);
		scenario.lateReading(users.get(1), "sleep_minutes", DAY.minusDays(2), "07:30", OVERSLEPT);
		assertThat(scenario.deleteReadings(users.get(2), "steps", DAY.minusDays(1))).isPositive();
		cluster.awaitCaughtUp(Duration.ofSeconds(30));
		Path report = dir.resolve("incremental.json");
		assertThat(reconcile("--report=" + report)).isZero();
		assertThat(ScoreAssertions.differences(primary, FIRST, LAST)).isEmpty();
		JsonNode json = ReconcileScenario.readReport(report);
		assertThat(json.get("corrected").asLong()).isEqualTo(3);
		assertThat(json.get("blocksRead").asLong()).isPositive();
		assertThat(json.get("blocksReadFromPrimary").asLong()).isZero();
		// the replica was read as of a point after the late reading committed
		assertThat(primary.queryForObject("""
				SELECT bool_and(s.inputs_as_of > r.ingested_at) FROM health_score s
				JOIN app_user u USING (user_id) JOIN health_reading r USING (user_id)
				WHERE r.source = 'late-band' AND s.score_date = (r.recorded_at AT TIME ZONE u.time_zone)::date""",
				Boolean.class))
			.isTrue();
		Path full = dir.resolve("full.json");
		assertThat(reconcile("--full", "--report=" + full)).isZero();
		JsonNode fullJson = ReconcileScenario.readReport(full);
		assertThat(fullJson.get("fullCheckReadFrom").asString()).isEqualTo("replica");
		assertThat(fullJson.get("fullCheck").get("differingRanges").asLong()).isZero();
		assertThat(fullJson.get("corrected").asLong()).isZero();
		assertThat(output.getOut()).contains("full check computes its checksums on the replica")
			.doesNotContain("reading this range from the primary");
	}

	@Test
	void theScoresStepWaitsForTheReplicaToReplayTheDetectionThoughItsLagIsWithinTheMaximum(@TempDir Path dir,
			CapturedOutput output) {
		ReplicaFaults.delay(cluster, DELAY);
		long user = scenario.liveUsers().get(3);
		scenario.lateReading(user, "sleep_minutes", DAY, "15:00", OVERSLEPT);
		Path report = dir.resolve("report.json");
		assertThat(reconcile("--report=" + report, "--healthscore.replica.max-lag=10m")).isZero();
		assertThat(output.getOut()).contains("not yet up to").contains("waiting up to");
		JsonNode json = ReconcileScenario.readReport(report);
		assertThat(json.get("blocksReadFromPrimary").asLong()).isZero();
		assertThat(json.get("corrected").asLong()).isEqualTo(1);
		assertThat(ScoreAssertions.differences(primary, FIRST, LAST)).isEmpty();
	}

	@Test
	void theFullCheckWaitsForTheReplicaToReplayWhatTheDetectionStartedFromWithNoTransactionOpenOnThePrimary(
			@TempDir Path dir, CapturedOutput output) throws Exception {
		ReplicaFaults.delay(cluster, Duration.ofSeconds(5));
		long user = scenario.liveUsers().get(4);
		// bypasses the change log: only the full check's checksums can find it
		assertThat(scenario.deleteReadingsUnlogged(user, "steps", DAY)).isPositive();
		Path report = dir.resolve("report.json");
		CompletableFuture<Integer> run = CompletableFuture
			.supplyAsync(() -> reconcile("--full", "--report=" + report, "--healthscore.replica.max-lag=10m"));
		await().atMost(Duration.ofSeconds(30)).until(() -> output.getOut().contains("not yet up to"));
		// the job waits for the replica: nothing of its detection has begun on the
		// primary
		assertThat(primary.queryForObject(
				"SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'", Long.class))
			.isZero();
		assertThat(run.get(60, TimeUnit.SECONDS)).isZero();
		JsonNode json = ReconcileScenario.readReport(report);
		assertThat(json.get("fullCheckReadFrom").asString()).isEqualTo("replica");
		assertThat(json.get("corrected").asLong()).isEqualTo(1);
		assertThat(ScoreAssertions.differences(primary, FIRST, LAST)).isEmpty();
	}

	@Test
	void aReplicaSessionEndedDuringTheFullCheckIsReplacedWhereTheLagPolicySays(@TempDir Path dir, CapturedOutput output)
			throws Exception {
		JdbcTemplate replica = new JdbcTemplate(cluster.replicaDataSource());
		Path report = dir.resolve("report.json");
		try (Connection lock = cluster.primaryDataSource().getConnection()) {
			// replayed on the replica, the lock keeps the full check's first query
			// waiting
			ReplicaFaults.lockReplayed(lock, "app_user", primary, replica);
			CompletableFuture<Integer> run = CompletableFuture
				.supplyAsync(() -> reconcile("--full", "--report=" + report));
			ReplicaFaults.endSessionWaitingOnLock(replica);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> output.getOut().contains("lost the replica during the full check"));
			lock.rollback();
			assertThat(run.get(60, TimeUnit.SECONDS)).isZero();
		}
		assertThat(ReconcileScenario.readReport(report).get("fullCheckReadFrom").asString()).isEqualTo("replica");
		assertThat(ScoreAssertions.differences(primary, FIRST, LAST)).isEmpty();
	}

	@Test
	void underTheFailPolicyAReplicaThatHasNotReplayedTheDetectionFailsTheRunWhichALaterRunCompletes() {
		ReplicaFaults.delay(cluster, Duration.ofSeconds(60));
		long user = scenario.liveUsers().get(5);
		scenario.lateReading(user, "sleep_minutes", DAY, "18:00", OVERSLEPT);
		assertThat(reconcile("--healthscore.replica.lag-policy=fail", "--healthscore.replica.max-lag=10m"))
			.isEqualTo(4);
		assertThat(ScoreAssertions.differences(primary, FIRST, LAST)).isNotEmpty();
		ReplicaFaults.delay(cluster, Duration.ZERO);
		cluster.awaitCaughtUp(Duration.ofSeconds(30));
		assertThat(reconcile()).isZero();
		assertThat(ScoreAssertions.differences(primary, FIRST, LAST)).isEmpty();
	}

	@Test
	void underThePrimaryPolicyTheBlocksTheReplicaCannotServeAreReadFromThePrimary(@TempDir Path dir) {
		ReplicaFaults.delay(cluster, Duration.ofSeconds(60));
		long user = scenario.liveUsers().get(6);
		scenario.lateReading(user, "sleep_minutes", DAY, "06:45", OVERSLEPT);
		Path report = dir.resolve("report.json");
		assertThat(reconcile("--report=" + report, "--healthscore.replica.lag-policy=primary",
				"--healthscore.replica.max-lag=10m"))
			.isZero();
		JsonNode json = ReconcileScenario.readReport(report);
		assertThat(json.get("blocksReadFromPrimary").asLong()).isPositive().isEqualTo(json.get("blocksRead").asLong());
		assertThat(ScoreAssertions.differences(primary, FIRST, LAST)).isEmpty();
	}

	private static int reconcile(String... options) {
		List<String> args = new ArrayList<>(List.of("run", "reconcile", "--from=" + FIRST, "--to=" + LAST));
		args.addAll(List.of(options));
		return app(args.toArray(String[]::new));
	}

	private static int app(String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.addAll(List.of("--spring.datasource.url=" + cluster.primaryJdbcUrl(),
				"--spring.datasource.username=" + EmbeddedPostgresCluster.USERNAME,
				"--healthscore.replica.url=" + cluster.replicaJdbcUrl(), "--healthscore.recompute.chunk-size=20",
				"--healthscore.reconcile.chunk-size=10", "--healthscore.reconcile.segment-users=10",
				"--healthscore.reconcile.leaf-width=4"));
		return HealthScoreApplication.run(all.toArray(String[]::new));
	}

}
