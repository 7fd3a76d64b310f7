package dev.healthscore.jobs.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The embedded primary and streaming replica: replication, a read-only replica, stop and
 * start with catch-up, and the apply delay tests use to make it lag.
 */
class EmbeddedPostgresClusterIntegrationTests {

	private static EmbeddedPostgresCluster cluster;

	private static JdbcTemplate primary;

	private static JdbcTemplate replica;

	@BeforeAll
	static void startCluster() throws IOException {
		cluster = EmbeddedPostgresCluster.start();
		primary = new JdbcTemplate(cluster.primaryDataSource());
		replica = new JdbcTemplate(cluster.replicaDataSource());
		primary.execute("CREATE TABLE note (id int PRIMARY KEY, body text)");
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
	void theReplicaListensBelowTheKernelsPortsForOutgoingConnections() {
		// so that no client connection can hold its port while it restarts
		var range = ReplicaPorts.kernelRange();
		assumeTrue(range.isPresent() && range.get()[0] > ReplicaPorts.LOWEST + 1000,
				"no Linux port range with room below it");
		int port = cluster.replicaPort();
		assertThat(port).isBetween(ReplicaPorts.LOWEST, range.get()[0] - 1);
		assertThat(replica.queryForObject("SELECT current_setting('port')::int", Integer.class)).isEqualTo(port);
	}

	@Test
	void aRowInsertedOnThePrimaryAppearsOnTheReplica() {
		primary.update("INSERT INTO note VALUES (1, 'replicated')");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(replica.queryForList("SELECT body FROM note WHERE id = 1", String.class))
				.containsExactly("replicated"));
		assertThat(replica.queryForObject("SELECT pg_is_in_recovery()", Boolean.class)).isTrue();
		assertThat(primary.queryForObject("SELECT pg_is_in_recovery()", Boolean.class)).isFalse();
	}

	@Test
	void theReplicaRefusesWrites() {
		assertThatExceptionOfType(DataAccessException.class)
			.isThrownBy(() -> replica.update("INSERT INTO note VALUES (2, 'on the replica')"))
			.withMessageContaining("cannot execute INSERT in a read-only transaction");
	}

	@Test
	void theReplicaStreamsThroughItsSlotFromThePrimary() {
		assertThat(primary.queryForObject("""
				SELECT s.active AND r.state = 'streaming' FROM pg_replication_slots s
				JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = ?""", Boolean.class,
				ReplicationSetup.REPLICATION_SLOT))
			.isTrue();
	}

	@Test
	void aStoppedReplicaRefusesConnectionsThenComesBackAndCatchesUp() throws IOException {
		cluster.stopReplica();
		assertThatExceptionOfType(SQLException.class)
			.isThrownBy(() -> cluster.replicaDataSource().getConnection().close())
			.withMessageContaining("Connection to localhost");
		primary.update("INSERT INTO note VALUES (3, 'written while the replica was down')");
		cluster.startReplica();
		cluster.awaitCaughtUp(Duration.ofSeconds(30));
		assertThat(replica.queryForList("SELECT body FROM note WHERE id = 3", String.class))
			.containsExactly("written while the replica was down");
	}

	@Test
	void anApplyDelayHoldsCommitsBackUntilItIsLifted() {
		cluster.setApplyDelay(Duration.ofHours(1));
		primary.update("INSERT INTO note VALUES (4, 'delayed')");
		await().during(Duration.ofMillis(500))
			.atMost(Duration.ofSeconds(10))
			.until(() -> replica.queryForObject("SELECT count(*) FROM note WHERE id = 4", Long.class) == 0);
		assertThat(replica.queryForObject("SHOW recovery_min_apply_delay", String.class)).isEqualTo("1h");
		cluster.setApplyDelay(Duration.ZERO);
		cluster.awaitCaughtUp(Duration.ofSeconds(10));
		assertThat(replica.queryForObject("SELECT count(*) FROM note WHERE id = 4", Long.class)).isOne();
	}

	@Test
	void awaitCaughtUpSaysWhatItWaitedForWhenTheReplicaLags() {
		cluster.setApplyDelay(Duration.ofHours(1));
		primary.update("INSERT INTO note VALUES (5, 'delayed')");
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> cluster.awaitCaughtUp(Duration.ofMillis(200)))
			.withMessageStartingWith(
					"Timed out after 200 ms waiting for the replica to replay the primary's WAL up to ");
	}

	@Test
	void aPrimaryStartsFromACopyOfTheTemplateInitdbMadeNotFromAnInitdbOfItsOwn() throws IOException {
		// the class's cluster made the template if there was none
		Instant starting = Instant.now();
		try (EmbeddedPostgresCluster other = EmbeddedPostgresCluster.start()) {
			// copied files keep the template's times; initdb would have written them now
			assertThat(Files.getLastModifiedTime(other.directory().resolve("primary/PG_VERSION")).toInstant())
				.isBefore(starting);
			JdbcTemplate otherPrimary = new JdbcTemplate(other.primaryDataSource());
			assertThat(otherPrimary.queryForObject("SELECT to_regclass('note') IS NULL", Boolean.class)).isTrue();
			// a cluster of its own, which its replica is a copy of
			long identifier = systemIdentifier(otherPrimary);
			assertThat(identifier).isNotEqualTo(systemIdentifier(primary));
			assertThat(systemIdentifier(new JdbcTemplate(other.replicaDataSource()))).isEqualTo(identifier);
			otherPrimary.execute("CREATE TABLE other_note (body text)");
			other.awaitCaughtUp(Duration.ofSeconds(30));
			assertThat(new JdbcTemplate(other.replicaDataSource())
				.queryForObject("SELECT to_regclass('other_note') IS NOT NULL", Boolean.class)).isTrue();
		}
	}

	@Test
	void closeIsSafeTwiceAndRemovesTheServersAndTheirDirectories() throws IOException {
		EmbeddedPostgresCluster other = EmbeddedPostgresCluster.start();
		Path directory = other.directory();
		assertThat(directory.resolve("replica/standby.signal")).exists();
		other.close();
		other.close();
		assertThat(Files.exists(directory)).isFalse();
		assertThatExceptionOfType(SQLException.class)
			.isThrownBy(() -> other.primaryDataSource().getConnection().close());
	}

	private static long systemIdentifier(JdbcTemplate jdbc) {
		return jdbc.queryForObject("SELECT system_identifier FROM pg_control_system()", Long.class);
	}

}
