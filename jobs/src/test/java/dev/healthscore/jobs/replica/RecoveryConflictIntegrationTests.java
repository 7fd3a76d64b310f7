package dev.healthscore.jobs.replica;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.healthscore.io.reading.ScoringWork;
import dev.healthscore.io.reading.UserReadingsItemReader;
import dev.healthscore.io.replica.RecoveryConflicts;
import dev.healthscore.io.synthetic.SyntheticDataGenerator;
import dev.healthscore.io.synthetic.SyntheticDataSpec;
import dev.healthscore.jobs.ReplicaFaults;
import dev.healthscore.jobs.embedded.EmbeddedPostgresCluster;
import dev.healthscore.scoring.v1.HealthScoreV1;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Real recovery conflicts: replay on the replica cancels queries that stand in its way
 * after {@code max_standby_streaming_delay} (100 ms here); they are recognised, and the
 * keyset reader reads the cancelled block again.
 */
@ExtendWith(OutputCaptureExtension.class)
class RecoveryConflictIntegrationTests {

	private static final LocalDate LAST_DAY = LocalDate.parse("2025-03-10");

	private static EmbeddedPostgresCluster cluster;

	private static JdbcTemplate primary;

	private static JdbcTemplate replica;

	@BeforeAll
	static void startCluster() throws IOException {
		cluster = EmbeddedPostgresCluster.start();
		primary = new JdbcTemplate(cluster.primaryDataSource());
		replica = new JdbcTemplate(cluster.replicaDataSource());
		Flyway.configure().dataSource(cluster.primaryDataSource()).locations("classpath:db/migration").load().migrate();
		new SyntheticDataGenerator(cluster.primaryDataSource()).generate(
				SyntheticDataSpec.ofDays(20, 3, LAST_DAY, 7).withThreads(1), Instant.parse("2025-03-11T00:00:00Z"));
		primary.execute("CREATE TABLE conflict_rows AS SELECT i FROM generate_series(1, 10000) i");
		replica.execute("ALTER SYSTEM SET max_standby_streaming_delay = '100ms'");
		replica.execute("SELECT pg_reload_conf()");
		cluster.awaitCaughtUp(Duration.ofSeconds(30));
	}

	@AfterAll
	static void closeCluster() {
		cluster.close();
	}

	@Test
	void replayCancelsAQueryHoldingBackVacuumedRowsAndTheFailureIsRecognisedAsARecoveryConflict() {
		await().atMost(Duration.ofSeconds(5))
			.until(() -> replica.queryForObject("SHOW max_standby_streaming_delay", String.class).equals("100ms"));
		CompletableFuture<Long> longQuery = CompletableFuture
			.supplyAsync(() -> replica.queryForObject("SELECT count(*) FROM conflict_rows, pg_sleep(20)", Long.class));
		// active with a snapshot: replaying the vacuum must cancel it
		awaitOnReplica("state = 'active' AND backend_xmin IS NOT NULL AND query LIKE '%pg_sleep(20)%'");
		primary.execute("DELETE FROM conflict_rows WHERE i % 2 = 0");
		primary.execute("VACUUM conflict_rows");
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> longQuery.get(15, TimeUnit.SECONDS))
			.satisfies((ex) -> assertThat(RecoveryConflicts.isRecoveryConflict(ex)).isTrue())
			.satisfies(
					(ex) -> assertThat(NestedExceptionUtils.getMostSpecificCause(ex)).isInstanceOf(PSQLException.class)
						.hasMessageContaining("canceling statement due to conflict with recovery")
						.extracting((cause) -> ((PSQLException) cause).getSQLState())
						.isEqualTo("40001"));
	}

	@Test
	void aConflictIsRecognisedByWhereThisServerRaisedItWhenTheMessageIsTranslated() throws SQLException {
		primary.execute("CREATE TABLE conflict_rows_translated AS SELECT i FROM generate_series(1, 10000) i");
		cluster.awaitCaughtUp(Duration.ofSeconds(30));
		await().atMost(Duration.ofSeconds(5))
			.until(() -> replica.queryForObject("SHOW max_standby_streaming_delay", String.class).equals("100ms"));
		CompletableFuture<Long> longQuery = CompletableFuture.supplyAsync(() -> replica
			.queryForObject("SELECT count(*) FROM conflict_rows_translated, pg_sleep(20)", Long.class));
		awaitOnReplica("state = 'active' AND backend_xmin IS NOT NULL AND query LIKE '%conflict_rows_translated%'");
		primary.execute("DELETE FROM conflict_rows_translated WHERE i % 2 = 0");
		primary.execute("VACUUM conflict_rows_translated");
		Throwable thrown = catchThrowable(() -> longQuery.get(15, TimeUnit.SECONDS));
		assertThat(thrown).isInstanceOf(ExecutionException.class);
		Throwable cancelled = NestedExceptionUtils.getMostSpecificCause(thrown);
		assertThat(cancelled).isInstanceOf(PSQLException.class);
		ServerErrorMessage real = ((PSQLException) cancelled).getServerErrorMessage();
		// the binaries carry no translations: the server's own fields, the message as a
		// server with lc_messages = 'fr_FR' writes it
		PSQLException translated = new PSQLException(new ServerErrorMessage(
				"S%s\0V%s\0C%s\0M%s\0F%s\0L%d\0R%s\0".formatted(real.getSeverity(), real.getSeverity(),
						real.getSQLState(), "annulation de la requête à cause d'un conflit avec la restauration",
						real.getFile(), real.getLine(), real.getRoutine())));
		assertThat(RecoveryConflicts.isRecoveryConflict(translated)).as("routine %s", real.getRoutine()).isTrue();
	}

	@Test
	void theReaderReadsABlockAgainAfterAConflictCancelledIt(CapturedOutput output) throws Exception {
		UserReadingsItemReader reader = UserReadingsItemReader.builder()
			.name("replicaReader")
			.dataSource(cluster.replicaDataSource())
			.days(LAST_DAY.minusDays(2), LAST_DAY)
			.lookbackDays(0)
			.metrics(new HealthScoreV1().inputMetrics())
			.blockSize(50)
			.build();
		reader.open(new ExecutionContext());
		try (Connection readings = cluster.primaryDataSource().getConnection();
				Connection users = cluster.primaryDataSource().getConnection()) {
			// replay takes the readings' lock: the reader's block waits for it, holding
			// its
			// lock on app_user, which replay then needs too: replay cancels the reader
			lockOnPrimary(readings, "health_reading");
			CompletableFuture<ScoringWork> first = CompletableFuture.supplyAsync(reader::read);
			awaitOnReplica("wait_event_type = 'Lock' AND query LIKE 'COPY%'");
			lockOnPrimary(users, "app_user");
			await().atMost(Duration.ofSeconds(10))
				.until(() -> output.getOut()
					.contains("cancelled by a recovery conflict on the replica (attempt 1 of 4)"));
			readings.rollback();
			users.rollback();
			assertThat(first.get(30, TimeUnit.SECONDS)).isNotNull();
		}
		finally {
			reader.close();
		}
	}

	private static void lockOnPrimary(Connection connection, String table) throws SQLException {
		ReplicaFaults.lockReplayed(connection, table, primary, replica);
	}

	private static void awaitOnReplica(String activity) {
		await().atMost(Duration.ofSeconds(10))
			.until(() -> replica.queryForObject(
					"SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND " + activity,
					Long.class) > 0);
	}

}
