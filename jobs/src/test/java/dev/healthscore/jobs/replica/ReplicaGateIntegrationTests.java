package dev.healthscore.jobs.replica;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import dev.healthscore.io.replica.LagPolicy;
import dev.healthscore.io.replica.ReadSource;
import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.io.replica.ReplicaLag;
import dev.healthscore.io.replica.ReplicaLagException;
import dev.healthscore.io.replica.ReplicaLagProbe;
import dev.healthscore.io.replica.WalPosition;
import dev.healthscore.jobs.embedded.EmbeddedPostgresCluster;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The lag probe and the gate's policies against a real streaming replica, slowed down
 * with an apply delay or stopped, and servers that are not a standby of the primary.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReplicaGateIntegrationTests {

	private static final AtomicInteger ids = new AtomicInteger();

	private static EmbeddedPostgresCluster cluster;

	private static DataSource primary;

	private static DataSource replica;

	private static JdbcTemplate primaryJdbc;

	private static JdbcTemplate replicaJdbc;

	private static ReplicaLagProbe probe;

	@BeforeAll
	static void startCluster() throws IOException {
		cluster = EmbeddedPostgresCluster.start();
		primary = cluster.primaryDataSource();
		replica = cluster.replicaDataSource();
		primaryJdbc = new JdbcTemplate(primary);
		replicaJdbc = new JdbcTemplate(replica);
		probe = new ReplicaLagProbe(primary, replica);
		primaryJdbc.execute("CREATE TABLE note (id int PRIMARY KEY, body text)");
	}

	@AfterAll
	static void closeCluster() {
		cluster.close();
	}

	@AfterEach
	void restoreReplica() throws IOException {
		cluster.startReplica();
		cluster.setApplyDelay(Duration.ZERO);
		cluster.awaitCaughtUp(Duration.ofSeconds(30));
	}

	@Test
	void aCaughtUpReplicaHasNoLagThoughItsLastReplayedCommitIsOlderOnAnIdlePrimary() {
		insertNote();
		cluster.awaitCaughtUp(Duration.ofSeconds(10));
		// again if the primary wrote WAL of its own (a checkpoint, autovacuum) since
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			ReplicaLag lag = probe.measure();
			assertThat(lag.caughtUp()).isTrue();
			assertThat(lag.bytes()).isZero();
			assertThat(lag.timeLag()).isZero();
			assertThat(Duration.between(lag.replayTimestamp(), lag.measuredAt())).isPositive();
			assertThat(lag.replayedUpTo()).isEqualTo(lag.measuredAt());
		});
	}

	@Test
	void whileApplyIsDelayedTheProbeReportsTheWalNotReplayedAndTheAgeOfTheLastReplayedCommit() {
		Instant replayed = insertNote();
		cluster.awaitCaughtUp(Duration.ofSeconds(10));
		cluster.setApplyDelay(Duration.ofHours(1));
		Instant delayed = insertNote();
		ReplicaLag lag = probe.measure();
		assertThat(lag.caughtUp()).isFalse();
		assertThat(lag.bytes()).isPositive();
		assertThat(lag.replayTimestamp()).isAfterOrEqualTo(replayed).isBefore(delayed);
		assertThat(lag.timeLag()).isEqualTo(Duration.between(lag.replayTimestamp(), lag.measuredAt()));
		assertThat(lag.replayedUpTo()).isEqualTo(lag.replayTimestamp());
	}

	@Test
	void failStopsWhileTheReplicaIsBehindAndSaysByHowMuch() {
		cluster.setApplyDelay(Duration.ofHours(1));
		insertNote();
		assertThatExceptionOfType(ReplicaLagException.class)
			.isThrownBy(() -> gate(LagPolicy.FAIL, Duration.ZERO).build().readSource())
			.withMessageMatching("Replica is [0-9,]+ ms \\([0-9,]+ bytes of WAL\\) behind the primary, more than the "
					+ "maximum lag of 0 ms \\(lag policy fail\\): rerun when .*")
			.satisfies((ex) -> assertThat(ex.lag().bytes()).isPositive());
	}

	@Test
	void aReplicaBehindWithinTheMaximumIsReadWithInputsAsOfItsLastReplayedCommit() {
		Instant replayed = insertNote();
		cluster.awaitCaughtUp(Duration.ofSeconds(10));
		cluster.setApplyDelay(Duration.ofHours(1));
		Instant delayed = insertNote();
		ReadSource source = gate(LagPolicy.FAIL, Duration.ofHours(1)).build().readSource();
		assertThat(source.dataSource()).isSameAs(replica);
		assertThat(source.fromPrimary()).isFalse();
		assertThat(source.inputsAsOf()).isAfterOrEqualTo(replayed).isBefore(delayed);
	}

	@Test
	void primaryReadsTheRangeFromThePrimaryWhileTheReplicaIsBehind() {
		cluster.setApplyDelay(Duration.ofHours(1));
		Instant delayed = insertNote();
		ReadSource source = gate(LagPolicy.PRIMARY, Duration.ZERO).build().readSource();
		assertThat(source.dataSource()).isSameAs(primary);
		assertThat(source.fromPrimary()).isTrue();
		assertThat(source.inputsAsOf()).isAfter(delayed);
		assertThat(count(new JdbcTemplate(source.dataSource()))).isEqualTo(count(primaryJdbc));
	}

	@Test
	void waitReturnsTheReplicaOnceItHasCaughtUpWithInputsAsOfAfterTheDelayedCommit() throws Exception {
		cluster.setApplyDelay(Duration.ofHours(1));
		Instant delayed = insertNote();
		CompletableFuture<ReadSource> waiting = CompletableFuture.supplyAsync(
				() -> gate(LagPolicy.WAIT, Duration.ZERO).waitTimeout(Duration.ofSeconds(30)).build().readSource());
		await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> !waiting.isDone());
		cluster.setApplyDelay(Duration.ZERO);
		ReadSource source = waiting.get(30, TimeUnit.SECONDS);
		assertThat(source.dataSource()).isSameAs(replica);
		assertThat(source.inputsAsOf()).isAfter(delayed);
		assertThat(count(replicaJdbc)).isEqualTo(count(primaryJdbc));
	}

	@Test
	void waitFailsWhenTheReplicaHasNotCaughtUpInTime() {
		cluster.setApplyDelay(Duration.ofHours(1));
		insertNote();
		assertThatExceptionOfType(ReplicaLagException.class)
			.isThrownBy(
					() -> gate(LagPolicy.WAIT, Duration.ZERO).waitTimeout(Duration.ofMillis(300)).build().readSource())
			.withMessageContaining("more than the maximum lag of 0 ms after waiting 300 ms (lag policy wait)");
	}

	@Test
	void aStoppedReplicaFailsTheFailPolicyAndThePrimaryPolicyFallsBack() {
		cluster.stopReplica();
		assertThatExceptionOfType(ReplicaLagException.class)
			.isThrownBy(() -> gate(LagPolicy.FAIL, Duration.ofMinutes(1)).build().readSource())
			.withMessageStartingWith("Replica is unreachable (Cannot query the replica: Connection to localhost:")
			.withMessageContaining("(lag policy fail)");
		ReadSource source = gate(LagPolicy.PRIMARY, Duration.ofMinutes(1)).build().readSource();
		assertThat(source.dataSource()).isSameAs(primary);
		assertThat(source.fromPrimary()).isTrue();
	}

	@Test
	void waitRetriesAStoppedReplicaUntilItIsBack() throws Exception {
		cluster.stopReplica();
		CompletableFuture<ReadSource> waiting = CompletableFuture
			.supplyAsync(() -> gate(LagPolicy.WAIT, Duration.ofMinutes(1)).waitTimeout(Duration.ofSeconds(60))
				.build()
				.readSource());
		await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> !waiting.isDone());
		cluster.startReplica();
		ReadSource source = waiting.get(60, TimeUnit.SECONDS);
		assertThat(source.dataSource()).isSameAs(replica);
		assertThat(source.fromPrimary()).isFalse();
	}

	@Test
	void anAsynchronousCommitNotYetWrittenByTheWalWriterKeepsTheReplicaBehindUntilItHasReplayedIt() throws Exception {
		ReplicaGate gate = gate(LagPolicy.WAIT, Duration.ofHours(1)).waitTimeout(Duration.ofSeconds(30)).build();
		slowWalWriter();
		try {
			cluster.awaitCaughtUp(Duration.ofSeconds(10));
			int id = insertNoteAsynchronously();
			assertThat(primaryJdbc.queryForObject("SELECT pg_current_wal_lsn() < pg_current_wal_insert_lsn()",
					Boolean.class))
				.as("the commit is not written yet (else this test shows nothing)")
				.isTrue();
			WalPosition position = gate.primaryPosition();
			CompletableFuture<ReadSource> waiting = CompletableFuture.supplyAsync(() -> gate.readSource(position));
			await("the gate to wait for the replica to replay the commit").during(Duration.ofMillis(300))
				.atMost(Duration.ofSeconds(5))
				.until(() -> !waiting.isDone());
			assertThat(hasNote(replicaJdbc, id)).isFalse();
			ReplicaLag lag = probe.measure();
			assertThat(lag.caughtUp()).as("caught up, without the commit the app saw").isFalse();
			assertThat(lag.bytes()).isPositive();
			// a synchronous commit flushes all WAL before its own, the asynchronous one's
			// too
			insertNote();
			ReadSource source = waiting.get(30, TimeUnit.SECONDS);
			assertThat(source.dataSource()).isSameAs(replica);
			assertThat(hasNote(replicaJdbc, id)).isTrue();
		}
		finally {
			restoreWalWriter();
		}
	}

	@Test
	void aReplicaThatReplayedAWalSwitchIsCaughtUpThoughTheNextRecordWillBeginPastAPageHeader() {
		insertNote();
		primaryJdbc.queryForObject("SELECT pg_switch_wal()::text", String.class);
		long segmentSize = primaryJdbc.queryForObject("SELECT pg_size_bytes(current_setting('wal_segment_size'))",
				Long.class);
		// the first measurement that is caught up: on an idle primary, at the switch,
		// unless the primary wrote WAL of its own (a checkpoint, a standby snapshot) in
		// the milliseconds the replica takes to replay the switch
		ReplicaLag lag = await().pollInterval(Duration.ofMillis(5))
			.atMost(Duration.ofSeconds(10))
			.until(probe::measure, ReplicaLag::caughtUp);
		assertThat(Long.remainderUnsigned(lag.replayed().value(), segmentSize)).as("replayed up to a segment's start")
			.isZero();
		assertThat(
				gate(LagPolicy.FAIL, Duration.ZERO).build().readSource(ReplicaLagProbe.position(primary)).dataSource())
			.isSameAs(replica);
	}

	@Test
	void anOpenTransactionThatWroteOnAnIdlePrimaryDoesNotKeepTheGateWaitingForItsWalToBeFlushed() throws Exception {
		ReplicaGate gate = gate(LagPolicy.WAIT, Duration.ofHours(1)).waitTimeout(Duration.ofSeconds(60)).build();
		cluster.awaitCaughtUp(Duration.ofSeconds(10));
		try (Connection open = primary.getConnection(); Statement statement = open.createStatement()) {
			open.setAutoCommit(false);
			statement.execute("INSERT INTO note VALUES (" + ids.incrementAndGet() + ", 'open')");
			// the WAL writer flushes neither its page, not full, nor the transaction, not
			// committed: the replica gets none of it until something else flushes
			ReplicaLag lag = await().atMost(Duration.ofSeconds(5))
				.until(probe::measure, ReplicaLag::awaitsPrimaryFlush);
			assertThat(lag.caughtUp()).isFalse();
			// twice: before the gate made the primary flush, the first wait ended only
			// when the background writer's standby snapshot (every 15 s) was flushed,
			// and the second then waited for the next one
			for (int i = 0; i < 2; i++) {
				long started = System.nanoTime();
				assertThat(gate.readSource(gate.primaryPosition()).dataSource()).isSameAs(replica);
				assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the gate's wait, %d", i)
					.isLessThan(Duration.ofSeconds(3));
				statement.execute("INSERT INTO note VALUES (" + ids.incrementAndGet() + ", 'open')");
			}
			cluster.awaitCaughtUp(Duration.ofSeconds(3));
			open.rollback();
		}
	}

	@Test
	void aServerOfAnotherClusterIsNotReadAsTheReplicaUnderAnyPolicyAndTheCheckNeedsNoSuperuser() throws IOException {
		// a plain login role, as a production replica's user is: pg_control_system()
		// needs no privilege
		primaryJdbc.execute("CREATE ROLE plain LOGIN");
		cluster.awaitCaughtUp(Duration.ofSeconds(10));
		try (TemporaryPostgres other = TemporaryPostgres.start(EmbeddedPostgres.builder())) {
			new JdbcTemplate(other.getPostgresDatabase()).execute("CREATE ROLE plain LOGIN");
			DataSource plainPrimary = as("plain", primary);
			DataSource plainOther = as("plain", other.getPostgresDatabase());
			// a real standby is read, by the plain role too
			assertThat(gate(LagPolicy.FAIL, Duration.ofMinutes(1)).primary(plainPrimary)
				.replica(as("plain", replica))
				.build()
				.readSource()
				.fromPrimary()).isFalse();
			for (LagPolicy policy : new LagPolicy[] { LagPolicy.FAIL, LagPolicy.WAIT }) {
				long started = System.nanoTime();
				assertThatExceptionOfType(ReplicaLagException.class)
					.isThrownBy(() -> gate(policy, Duration.ofMinutes(1)).primary(plainPrimary)
						.replica(plainOther)
						.waitTimeout(Duration.ofMinutes(5))
						.build()
						.readSource())
					.as(policy.name())
					.withMessageStartingWith("Replica is not a standby of the primary (healthscore.replica.url names a"
							+ " server of another cluster: its system identifier is ")
					.withMessageContaining("correct healthscore.replica.url");
				// wait does not wait: no wait mends it
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
			}
			ReadSource source = gate(LagPolicy.PRIMARY, Duration.ofMinutes(1)).primary(plainPrimary)
				.replica(plainOther)
				.build()
				.readSource();
			assertThat(source.dataSource()).isSameAs(plainPrimary);
			assertThat(source.fromPrimary()).isTrue();
		}
	}

	@Test
	void aUserRefusedPgControlSystemReadsTheReplicaUncheckedWithOneWarningSayingWhatToGrant(CapturedOutput output) {
		// as some hardened servers do: EXECUTE revoked from PUBLIC, replayed by the
		// standby
		primaryJdbc.execute("CREATE ROLE restricted LOGIN");
		primaryJdbc.execute("REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC");
		try {
			cluster.awaitCaughtUp(Duration.ofSeconds(10));
			ReplicaGate gate = gate(LagPolicy.FAIL, Duration.ofMinutes(1)).primary(as("restricted", primary))
				.replica(as("restricted", replica))
				.build();
			gate.checkStandby();
			for (int i = 0; i < 2; i++) {
				assertThat(gate.readSource().fromPrimary()).isFalse();
			}
			assertThat(output.getOut().split("Cannot check that healthscore.replica.url names a standby", -1))
				.hasSize(2);
			assertThat(output).containsPattern("WARN .*GRANT EXECUTE ON FUNCTION pg_control_system\\(\\) TO");
		}
		finally {
			primaryJdbc.execute("GRANT EXECUTE ON FUNCTION pg_control_system() TO PUBLIC");
		}
	}

	@Test
	void aPromotedStandbyOfThePrimarysClusterIsNotReadThoughItHasItsSystemIdentifier() throws IOException {
		try (EmbeddedPostgresCluster failedOver = EmbeddedPostgresCluster.start()) {
			DataSource promoted = failedOver.replicaDataSource();
			assertThat(new JdbcTemplate(promoted).queryForObject("SELECT pg_promote()", Boolean.class)).isTrue();
			assertThatExceptionOfType(ReplicaLagException.class)
				.isThrownBy(() -> gate(LagPolicy.FAIL, Duration.ofMinutes(1)).primary(failedOver.primaryDataSource())
					.replica(promoted)
					.build()
					.readSource())
				.withMessageStartingWith("Replica is not a standby of the primary (healthscore.replica.url names a"
						+ " server of the primary's cluster that is not in recovery and is not the primary");
		}
	}

	@Test
	void anotherDatabaseOfThePrimarysServerOrOfTheStandbyIsNotReadAsTheReplica(CapturedOutput output) {
		// it passed as "the primary itself" (or as the standby): a recompute read no user
		// from it, scored nothing, exited 0 and recorded a checkpoint for its range
		primaryJdbc.execute("CREATE DATABASE other_app");
		try {
			cluster.awaitCaughtUp(Duration.ofSeconds(10));
			for (DataSource server : new DataSource[] { primary, replica }) {
				assertThatExceptionOfType(ReplicaLagException.class)
					.isThrownBy(() -> gate(LagPolicy.FAIL, Duration.ofMinutes(1)).replica(database(server, "other_app"))
						.build()
						.readSource())
					.withMessageStartingWith("Replica is not a standby of the primary (healthscore.replica.url names"
							+ " database other_app of the primary's cluster, not the primary's database postgres: name"
							+ " database postgres on the standby)");
			}
			assertThat(output).doesNotContain("names the primary itself");
		}
		finally {
			primaryJdbc.execute("DROP DATABASE other_app");
		}
	}

	@Test
	void aReplicaUrlNamingThePrimaryItselfIsReadAsCaughtUpWithOneWarning(CapturedOutput output) {
		ReplicaGate gate = gate(LagPolicy.FAIL, Duration.ZERO).replica(primary).build();
		for (int i = 0; i < 2; i++) {
			ReadSource source = gate.readSource();
			assertThat(source.dataSource()).isSameAs(primary);
			assertThat(source.fromPrimary()).isFalse();
		}
		assertThat(output.getOut().split("healthscore.replica.url names the primary itself", -1)).hasSize(2);
		assertThat(output).containsPattern("WARN .*healthscore.replica.url names the primary itself");
	}

	/**
	 * A data source on the same server as {@code dataSource}, connected to {@code name}.
	 */
	private static DataSource database(DataSource dataSource, String name) {
		PGSimpleDataSource other = new PGSimpleDataSource();
		other.setURL(((PGSimpleDataSource) dataSource).getURL());
		other.setUser(((PGSimpleDataSource) dataSource).getUser());
		other.setDatabaseName(name);
		return other;
	}

	/**
	 * A data source on the same server and database as {@code dataSource}, as
	 * {@code user}.
	 */
	private static DataSource as(String user, DataSource dataSource) {
		PGSimpleDataSource as = new PGSimpleDataSource();
		as.setURL(((PGSimpleDataSource) dataSource).getURL());
		as.setUser(user);
		return as;
	}

	/**
	 * Keeps the next asynchronous commit unwritten for seconds: the WAL writer wakes
	 * every 10 s (at most), and its next wait starts now. One idle long enough
	 * hibernates, and an asynchronous commit wakes it at once: the first commit here ends
	 * that, since writing it is work. Returns with all WAL flushed, so that the replica
	 * can catch up.
	 */
	private static void slowWalWriter() {
		primaryJdbc.execute("ALTER SYSTEM SET wal_writer_delay = '10s'");
		insertNoteAsynchronously();
		String inserted = primaryJdbc.queryForObject("SELECT pg_current_wal_insert_lsn()::text", String.class);
		// signalled, the WAL writer reloads its settings, writes what is inserted (that
		// commit too), then waits 10 s
		primaryJdbc.queryForObject("SELECT pg_reload_conf()", Boolean.class);
		await().atMost(Duration.ofSeconds(15))
			.until(() -> primaryJdbc.queryForObject(
					"SELECT current_setting('wal_writer_delay') = '10s' AND pg_current_wal_lsn() >= ?::pg_lsn",
					Boolean.class, inserted));
		// it may have written without flushing (it flushes once per delay): a
		// synchronous commit flushes all, and the replica receives only flushed WAL
		insertNote();
	}

	private static void restoreWalWriter() {
		primaryJdbc.execute("ALTER SYSTEM RESET wal_writer_delay");
		primaryJdbc.queryForObject("SELECT pg_reload_conf()", Boolean.class);
	}

	private static ReplicaGate.Builder gate(LagPolicy policy, Duration maxLag) {
		return ReplicaGate.builder()
			.primary(primary)
			.replica(replica)
			.policy(policy)
			.maxLag(maxLag)
			.pollInterval(Duration.ofMillis(50));
	}

	/** Inserts a note and returns its transaction's start: its commit is later. */
	private static Instant insertNote() {
		return primaryJdbc
			.queryForObject("INSERT INTO note VALUES (?, 'note') RETURNING now()", OffsetDateTime.class,
					ids.incrementAndGet())
			.toInstant();
	}

	/** Inserts a note with {@code synchronous_commit} off, as an app may ingest. */
	private static int insertNoteAsynchronously() {
		int id = ids.incrementAndGet();
		try (Connection connection = primary.getConnection(); Statement statement = connection.createStatement()) {
			connection.setAutoCommit(false);
			statement.execute("SET LOCAL synchronous_commit = off");
			statement.execute("INSERT INTO note VALUES (" + id + ", 'asynchronous')");
			connection.commit();
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot insert note " + id, ex);
		}
		return id;
	}

	private static boolean hasNote(JdbcTemplate jdbc, int id) {
		return jdbc.queryForObject("SELECT count(*) FROM note WHERE id = ?", Long.class, id) == 1;
	}

	private static long count(JdbcTemplate jdbc) {
		return jdbc.queryForObject("SELECT count(*) FROM note", Long.class);
	}

}
