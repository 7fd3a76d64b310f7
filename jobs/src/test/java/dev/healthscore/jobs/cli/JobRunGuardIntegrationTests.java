package dev.healthscore.jobs.cli;

import java.io.IOException;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The guard of a job on a real PostgreSQL: shards of a job run side by side, but never
 * beside a run over all of the job's work, which would write the same users' rows.
 */
class JobRunGuardIntegrationTests {

	private static EmbeddedPostgres postgres;

	private static HikariDataSource dataSource;

	private static JobRunGuard guard;

	@BeforeAll
	static void start() throws IOException {
		postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
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

}
