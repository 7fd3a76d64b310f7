package dev.healthscore.jobs.replica;

import java.time.Duration;
import java.util.Locale;

import javax.sql.DataSource;

import dev.healthscore.io.replica.LagPolicy;
import dev.healthscore.io.replica.NotAStandbyException;
import dev.healthscore.io.replica.ReadSource;
import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.io.replica.ReplicaLagException;
import dev.healthscore.jobs.embedded.FailoverCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A failover with two standbys: one promoted becomes the jobs' primary, on a new
 * timeline; the other stays on the old timeline (split brain, or the old primary gone),
 * or follows the promoted one. Only a standby on the primary's timeline is read.
 */
@ExtendWith(OutputCaptureExtension.class)
class DivergedTimelineIntegrationTests {

	private static final int OLD_PRIMARY = 0;

	private static final int PROMOTED = 1;

	private static final int STANDBY = 2;

	@Test
	void aStandbyStillReplayingTheOldPrimaryAfterAFailoverIsNotRead(CapturedOutput output) throws Exception {
		try (FailoverCluster cluster = FailoverCluster.start()) {
			JdbcTemplate old = cluster.jdbc(OLD_PRIMARY);
			old.execute("CREATE TABLE note (id int PRIMARY KEY, body text)");
			old.execute("CREATE ROLE monitor LOGIN IN ROLE pg_monitor");
			old.execute("CREATE ROLE plain LOGIN");
			old.update("INSERT INTO note VALUES (1, 'before the failover')");
			cluster.awaitReplayed(PROMOTED, OLD_PRIMARY, Duration.ofSeconds(30));
			cluster.awaitReplayed(STANDBY, OLD_PRIMARY, Duration.ofSeconds(30));
			cluster.promote(PROMOTED);
			// split brain: the old primary takes writes on, more WAL than the promoted
			// one has, and the standby replays them; the jobs' primary never has them
			old.update("INSERT INTO note SELECT id, 'old primary only' FROM generate_series(2, 20000) AS id");
			cluster.awaitReplayed(STANDBY, OLD_PRIMARY, Duration.ofSeconds(30));
			JdbcTemplate standby = cluster.jdbc(STANDBY);
			assertThat(count(standby)).isEqualTo(20000);
			assertThat(count(cluster.jdbc(PROMOTED))).isEqualTo(1);

			ReplicaGate.Builder gate = ReplicaGate.builder()
				.primary(cluster.dataSource(PROMOTED))
				.replica(cluster.dataSource(STANDBY))
				.maxLag(Duration.ofMinutes(1))
				.pollInterval(Duration.ofMillis(50));
			assertThatExceptionOfType(NotAStandbyException.class)
				.isThrownBy(() -> gate.policy(LagPolicy.FAIL).build().checkStandby())
				.withMessageMatching(onTheOldTimeline(cluster) + ".*")
				.withMessageContaining("Point the standby at the primary (primary_conninfo; recovery_target_timeline"
						+ " 'latest', the default) and rerun once it has followed onto timeline 2");
			for (LagPolicy policy : new LagPolicy[] { LagPolicy.FAIL, LagPolicy.WAIT }) {
				long started = System.nanoTime();
				assertThatExceptionOfType(ReplicaLagException.class)
					.isThrownBy(() -> gate.policy(policy).waitTimeout(Duration.ofMinutes(5)).build().readSource())
					.as(policy.name())
					.withMessageMatching("Replica is not a standby of the primary \\(" + onTheOldTimeline(cluster)
							+ ".*\\(lag policy " + policy.name().toLowerCase(Locale.ROOT) + ", not read: .*");
				// wait does not wait: no wait mends it
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
			}
			ReadSource source = gate.policy(LagPolicy.PRIMARY).build().readSource();
			assertThat(source.fromPrimary()).isTrue();
			assertThat(output).containsPattern("WARN .*Replica is not a standby of the primary \\("
					+ onTheOldTimeline(cluster) + ".*\\): reading this range from the primary \\(lag policy"
					+ " primary\\); this does not change by itself");

			// an ordinary monitoring role is enough to tell
			assertThatExceptionOfType(NotAStandbyException.class)
				.isThrownBy(() -> gate.primary(as("monitor", cluster, PROMOTED))
					.replica(as("monitor", cluster, STANDBY))
					.build()
					.checkStandby())
				.withMessageMatching(onTheOldTimeline(cluster) + ".*");
			// without it, the timeline is not checked: read as before, with one warning
			// saying what to grant
			ReplicaGate unchecked = gate.policy(LagPolicy.FAIL)
				.primary(as("plain", cluster, PROMOTED))
				.replica(as("plain", cluster, STANDBY))
				.build();
			unchecked.checkStandby();
			assertThat(unchecked.readSource().fromPrimary()).isFalse();
			assertThat(output.getOut().split("Cannot check the replica's timeline against the primary's", -1))
				.hasSize(2);
			assertThat(output).containsPattern("WARN .*refuses pg_ls_waldir\\(\\) to this user .*GRANT pg_monitor TO");
		}
	}

	@Test
	void aStandbyIsReadOnceItHasFollowedThePromotedPrimaryOntoItsTimelineAndNotAsAStandbyOfTheOldOne()
			throws Exception {
		try (FailoverCluster cluster = FailoverCluster.start()) {
			JdbcTemplate old = cluster.jdbc(OLD_PRIMARY);
			old.execute("CREATE TABLE note (id int PRIMARY KEY, body text)");
			old.update("INSERT INTO note VALUES (1, 'before the failover')");
			// the old primary goes away; both standbys have all it wrote
			cluster.stop(OLD_PRIMARY);
			cluster.promote(PROMOTED);
			cluster.jdbc(PROMOTED).update("INSERT INTO note VALUES (2, 'after the failover')");
			DataSource standby = cluster.dataSource(STANDBY);
			ReplicaGate gate = ReplicaGate.builder()
				.primary(cluster.dataSource(PROMOTED))
				.replica(standby)
				.policy(LagPolicy.FAIL)
				.maxLag(Duration.ofMinutes(1))
				.build();
			// left on the old timeline, it receives nothing the primary writes
			assertThatExceptionOfType(NotAStandbyException.class).isThrownBy(gate::checkStandby)
				.withMessageMatching(onTheOldTimeline(cluster) + ".*");

			cluster.follow(STANDBY, PROMOTED);
			cluster.awaitReplayed(STANDBY, PROMOTED, Duration.ofSeconds(60));
			assertThat(count(cluster.jdbc(STANDBY))).isEqualTo(2);
			gate.checkStandby();
			ReadSource source = gate.readSource();
			assertThat(source.fromPrimary()).isFalse();
			assertThat(source.dataSource()).isSameAs(standby);

			// the old primary started again, and the jobs still pointed at it: the
			// standby follows the promoted server, not it
			cluster.restart(OLD_PRIMARY);
			assertThatExceptionOfType(NotAStandbyException.class)
				.isThrownBy(() -> ReplicaGate.builder()
					.primary(cluster.dataSource(OLD_PRIMARY))
					.replica(standby)
					.maxLag(Duration.ofMinutes(1))
					.build()
					.checkStandby())
				.withMessageMatching(String.format(Locale.ROOT,
						"healthscore\\.replica\\.url names a standby \\([^)]+:%d\\) on timeline 2, newer than the"
								+ " timeline 1 the primary \\([^)]+:%d\\) writes: it follows a server promoted after"
								+ " the primary .*",
						cluster.port(STANDBY), cluster.port(OLD_PRIMARY)));
		}
	}

	/**
	 * The start of the message for the standby still on timeline 1, the promoted server
	 * on timeline 2, as a regular expression.
	 */
	private static String onTheOldTimeline(FailoverCluster cluster) {
		return String.format(Locale.ROOT,
				"healthscore\\.replica\\.url names a standby \\([^)]+:%d\\) on timeline 1, the primary \\([^)]+:%d\\)"
						+ " writes timeline 2: a failover promoted a server that the standby does not follow, and it"
						+ " replays the old primary's WAL \\(up to [0-9A-F]+/[0-9A-F]+ of timeline 1\\), so its WAL"
						+ " positions are not the primary's and it may hold commits the primary never had\\.",
				cluster.port(STANDBY), cluster.port(PROMOTED));
	}

	/** A data source on server {@code index} as {@code user}. */
	private static DataSource as(String user, FailoverCluster cluster, int index) {
		PGSimpleDataSource as = (PGSimpleDataSource) cluster.dataSource(index);
		as.setUser(user);
		return as;
	}

	private static long count(JdbcTemplate jdbc) {
		return jdbc.queryForObject("SELECT count(*) FROM note", Long.class);
	}

}
