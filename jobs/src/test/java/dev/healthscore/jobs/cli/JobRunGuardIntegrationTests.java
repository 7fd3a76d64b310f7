package dev.healthscore.jobs.cli;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

/**
 * The guard of a job on a real PostgreSQL: shards of a job run side by side, but never
 * beside a run over all of the job's work, which would write the same users' rows.
 */
class JobRunGuardIntegrationTests {

	private static TemporaryPostgres postgres;

	private static HikariDataSource dataSource;

	private static JobRunGuard guard;

	@BeforeAll
	static void start() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
		dataSource.setUsername("postgres");
		guard = new JobRunGuard(dataSource);
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		postgres.close();
	}

	@Test
	void aRunOfTheSameScopeIsRefusedUntilTheFirstEnds() throws Exception {
		try (JobRunGuard.Held first = guard.tryAcquire("recompute", "all")) {
			assertThat(first).isNotNull();
			assertThat(guard.tryAcquire("recompute", "all")).isNull();
			try (JobRunGuard.Held other = guard.tryAcquire("reconcile", "all")) {
				assertThat(other).isNotNull();
			}
		}
		try (JobRunGuard.Held again = guard.tryAcquire("recompute", "all")) {
			assertThat(again).isNotNull();
		}
	}

	@Test
	void shardsRunSideBySideButNeverBesideARunOfAllTheWork() throws Exception {
		try (JobRunGuard.Held shard0 = guard.tryAcquire("recompute", "0/3");
				JobRunGuard.Held shard1 = guard.tryAcquire("recompute", "1/3")) {
			assertThat(shard0).isNotNull();
			assertThat(shard1).isNotNull();
			assertThat(guard.tryAcquire("recompute", "0/3")).isNull();
			assertThat(guard.tryAcquire("recompute", "all")).as("a run of all users while shards run").isNull();
		}
		try (JobRunGuard.Held all = guard.tryAcquire("recompute", "all")) {
			assertThat(all).isNotNull();
			assertThat(guard.tryAcquire("recompute", "2/3")).as("a shard while a run of all users runs").isNull();
		}
		try (JobRunGuard.Held shard2 = guard.tryAcquire("recompute", "2/3")) {
			assertThat(shard2).as("every lock was released").isNotNull();
		}
		assertThat(dataSource.getHikariPoolMXBean().getActiveConnections()).isZero();
	}

	@Test
	void aGuardWhoseSessionEndedDuringTheRunClosesWithoutHidingTheRunsOutcome() throws Exception {
		JobRunGuard.Held held = guard.tryAcquire("reconcile", "all");
		assertThat(held).isNotNull();
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		// the primary ends the guard's session mid-run, as a failover or a dropped
		// connection would
		assertThat(jdbc.queryForObject("""
				SELECT bool_and(pg_terminate_backend(pid)) FROM pg_locks
				WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()""", Boolean.class)).isTrue();
		assertThatNoException().isThrownBy(held::close);
		try (JobRunGuard.Held again = guard.tryAcquire("reconcile", "all")) {
			assertThat(again).as("the lock went with the session").isNotNull();
		}
		assertThat(dataSource.getHikariPoolMXBean().getActiveConnections()).isZero();
	}

	@Test
	void aWatchedGuardWhoseSessionEndsTakesItsLocksAgainWhenNoOtherRunHoldsThem() throws Exception {
		JobRunGuard watched = new JobRunGuard(dataSource, Duration.ofMillis(100));
		AtomicBoolean lost = new AtomicBoolean();
		try (JobRunGuard.Held held = watched.tryAcquire("partitions", "all")) {
			held.watch(() -> lost.set(true));
			int first = holder("partitions/all");
			terminate(first);
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				Integer now = holderOrNull("partitions/all");
				return now != null && now != first;
			});
			assertThat(guard.tryAcquire("partitions", "all")).as("held again").isNull();
			assertThat(lost).isFalse();
		}
		try (JobRunGuard.Held again = guard.tryAcquire("partitions", "all")) {
			assertThat(again).as("released when the run ended").isNotNull();
		}
		assertThat(dataSource.getHikariPoolMXBean().getActiveConnections()).isZero();
	}

	@Test
	void aWatchedGuardWhoseSessionEndsStopsItsRunWhenAnotherRunTookTheLocks() throws Exception {
		JobRunGuard watched = new JobRunGuard(dataSource, Duration.ofMillis(100));
		CountDownLatch lost = new CountDownLatch(1);
		int key = JobRunGuard.key("archive/all");
		try (JobRunGuard.Held held = watched.tryAcquire("archive", "all");
				Connection other = dataSource.getConnection()) {
			held.watch(lost::countDown);
			int first = holder("archive/all");
			// another run waits for the guard, and has it the moment the session ends
			CompletableFuture<Void> waiting = CompletableFuture
				.runAsync(() -> advisory(other, "pg_advisory_lock", key));
			await().atMost(Duration.ofSeconds(10))
				.until(() -> jdbc().queryForObject(
						"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", Long.class) > 0);
			terminate(first);
			waiting.get(10, TimeUnit.SECONDS);
			try {
				assertThat(lost.await(10, TimeUnit.SECONDS)).as("the run was told to stop").isTrue();
				assertThat(holder("archive/all")).isNotEqualTo(first);
			}
			finally {
				advisory(other, "pg_advisory_unlock", key);
			}
		}
		try (JobRunGuard.Held again = guard.tryAcquire("archive", "all")) {
			assertThat(again).isNotNull();
		}
		assertThat(dataSource.getHikariPoolMXBean().getActiveConnections()).isZero();
	}

	@Test
	void aWatchedGuardWhoseEndedSessionLetsGoOfItsLocksWhileTheGuardChecksTakesThemAgain() throws Exception {
		AtomicBoolean cut = new AtomicBoolean();
		AtomicInteger afterCut = new AtomicInteger();
		AtomicReference<Connection> guardConnection = new AtomicReference<>();
		AtomicInteger first = new AtomicInteger();
		// the guard's connection looks dead once cut, while its session goes on holding
		// the locks (the primary has not noticed yet); it ends right after the guard's
		// first query on another session
		DataSource partitioned = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { DataSource.class }, (proxy, method, args) -> {
					if (!method.getName().equals("getConnection")) {
						return method.invoke(dataSource, args);
					}
					if (cut.get() && afterCut.incrementAndGet() == 2) {
						terminate(first.get());
						await().atMost(Duration.ofSeconds(10)).until(() -> holderOrNull("retention/all") == null);
					}
					Connection connection = dataSource.getConnection();
					return guardConnection.compareAndSet(null, connection) ? cutOff(connection, cut) : connection;
				});
		JobRunGuard watched = new JobRunGuard(partitioned, Duration.ofMillis(100));
		AtomicBoolean lost = new AtomicBoolean();
		try (JobRunGuard.Held held = watched.tryAcquire("retention", "all")) {
			held.watch(() -> lost.set(true));
			first.set(holder("retention/all"));
			cut.set(true);
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				Integer now = holderOrNull("retention/all");
				return lost.get() || (now != null && now != first.get());
			});
			assertThat(lost).as("the run was told to stop though no other run took its guard").isFalse();
		}
		finally {
			// its session ended: not back to the pool
			dataSource.evictConnection(guardConnection.get());
		}
		try (JobRunGuard.Held again = guard.tryAcquire("retention", "all")) {
			assertThat(again).as("released when the run ended").isNotNull();
		}
	}

	/** A connection that looks dead once {@code cut}, without ending its session. */
	private static Connection cutOff(Connection connection, AtomicBoolean cut) {
		return (Connection) Proxy.newProxyInstance(JobRunGuardIntegrationTests.class.getClassLoader(),
				new Class<?>[] { Connection.class }, (proxy, method, args) -> {
					if (cut.get()) {
						switch (method.getName()) {
							case "isValid":
								return false;
							case "abort", "close":
								return null;
							default:
								throw new SQLException("cut off");
						}
					}
					try {
						return method.invoke(connection, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	private static int holder(String name) {
		Integer pid = holderOrNull(name);
		assertThat(pid).as("the backend holding the guard of " + name).isNotNull();
		return pid;
	}

	private static Integer holderOrNull(String name) {
		return jdbc().query("""
				SELECT pid FROM pg_locks
				WHERE locktype = 'advisory' AND granted AND classid = ? AND objid::bigint = ?""",
				(rs) -> rs.next() ? rs.getInt(1) : null, JobRunGuard.NAMESPACE,
				Integer.toUnsignedLong(JobRunGuard.key(name)));
	}

	private static void terminate(int pid) {
		assertThat(jdbc().queryForObject("SELECT pg_terminate_backend(?)", Boolean.class, pid)).isTrue();
	}

	private static void advisory(Connection connection, String function, int key) {
		try (Statement statement = connection.createStatement()) {
			statement.execute("SELECT " + function + "(" + JobRunGuard.NAMESPACE + ", " + key + ")");
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static JdbcTemplate jdbc() {
		return new JdbcTemplate(dataSource);
	}

}
