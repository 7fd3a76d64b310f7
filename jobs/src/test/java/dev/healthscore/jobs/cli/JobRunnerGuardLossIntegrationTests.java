package dev.healthscore.jobs.cli;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.recompute.RecomputeJobConfiguration;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A run whose guard's database session ended while another run of the job took the guard
 * stops after its current chunk instead of running beside the other: its
 * {@link JobRunGuard.Held#watch} tells the {@link JobRunner}.
 */
@ExtendWith(OutputCaptureExtension.class)
class JobRunnerGuardLossIntegrationTests {

	private static final LocalDate LAST = LocalDate.parse("2025-03-10");

	/** The advisory lock the test holds to hold the score writers up. */
	private static final long GATE = 4343;

	private static TemporaryPostgres postgres;

	private static HikariDataSource dataSource;

	private static JdbcTemplate jdbc;

	@BeforeAll
	static void generate() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(url());
		dataSource.setUsername("postgres");
		jdbc = new JdbcTemplate(dataSource);
		assertThat(HealthScoreApplication.run("generate", "--users=40", "--days=5", "--seed=3", "--end=" + LAST,
				"--spring.datasource.url=" + url(), "--spring.datasource.username=postgres"))
			.isZero();
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		postgres.close();
	}

	/** The score writers wait at a gate while the test holds it closed. */
	@BeforeEach
	void createGate() {
		jdbc.execute(String.format(Locale.ROOT, """
				CREATE FUNCTION gate_scores() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					PERFORM pg_advisory_xact_lock_shared(%d);
					RETURN NEW;
				END $$""", GATE));
		jdbc.execute(
				"CREATE TRIGGER gate_scores BEFORE INSERT ON health_score FOR EACH ROW EXECUTE FUNCTION gate_scores()");
	}

	@AfterEach
	void dropGate() {
		jdbc.execute("DROP TRIGGER gate_scores ON health_score");
		jdbc.execute("DROP FUNCTION gate_scores()");
	}

	@Test
	void aRunWhoseGuardAnotherRunTookAfterItsSessionEndedStops() throws Exception {
		long guardKey = Integer.toUnsignedLong(JobRunGuard.key(RecomputeJobConfiguration.JOB_NAME + "/all"));
		try (ConfigurableApplicationContext context = context("100ms");
				Connection gate = dataSource.getConnection();
				Connection other = dataSource.getConnection()) {
			sql(gate, "SELECT pg_advisory_lock(" + GATE + ")");
			CompletableFuture<JobRunner.Outcome> outcome = runAsync(context,
					Map.of("from", LAST.minusDays(3).toString(), "to", LAST.toString()));
			try {
				// the run's writers wait at the gate
				await().atMost(Duration.ofSeconds(60)).until(() -> waiting("objid = " + GATE) > 0);
				int guardSession = guardSession(guardKey);
				// another run waits for the guard, and has it the moment the session ends
				CompletableFuture<Void> otherRun = CompletableFuture.runAsync(() -> sql(other,
						"SELECT pg_advisory_lock(" + JobRunGuard.NAMESPACE + ", " + (int) guardKey + ")"));
				await().atMost(Duration.ofSeconds(10)).until(() -> waiting("objid::bigint = " + guardKey) > 0);
				// returns once the backend has exited and its locks are released, as in
				// the test below
				assertThat(jdbc.queryForObject("SELECT pg_terminate_backend(?, 10000)", Boolean.class, guardSession))
					.isTrue();
				otherRun.get(10, TimeUnit.SECONDS);
				await().atMost(Duration.ofSeconds(10))
					.until(() -> jdbc.queryForObject(
							"SELECT count(*) FROM batch_job_execution WHERE status IN ('STOPPING', 'STOPPED')",
							Long.class) > 0);
			}
			finally {
				sql(gate, "SELECT pg_advisory_unlock(" + GATE + ")");
			}
			JobRunner.Outcome stopped = outcome.get(60, TimeUnit.SECONDS);
			assertThat(stopped.exitCode()).isEqualTo(ExitCode.STOPPED);
			assertThat(stopped.execution().getStatus()).isEqualTo(BatchStatus.STOPPED);
			sql(other, "SELECT pg_advisory_unlock(" + JobRunGuard.NAMESPACE + ", " + (int) guardKey + ")");
		}
	}

	@Test
	void aRunWhoseGuardAnotherRunOfTheSameCommandTookDoesNotStopThatRun(CapturedOutput output) throws Exception {
		long guardKey = Integer.toUnsignedLong(JobRunGuard.key(RecomputeJobConfiguration.JOB_NAME + "/all"));
		Map<String, String> parameters = Map.of("from", LAST.minusDays(4).toString(), "to", LAST.toString());
		// the first run's heartbeats are far enough apart for the second run to take the
		// guard between two of them, even on a busy machine
		try (ConfigurableApplicationContext first = context("6s");
				ConfigurableApplicationContext second = context("0s");
				Connection gate = dataSource.getConnection()) {
			sql(gate, "SELECT pg_advisory_lock(" + GATE + ")");
			CompletableFuture<JobRunner.Outcome> firstRun = runAsync(first, parameters);
			CompletableFuture<JobRunner.Outcome> secondRun;
			try {
				// the first run's writers wait at the gate
				await().atMost(Duration.ofSeconds(60)).until(() -> waiting("objid = " + GATE) > 0);
				int guardSession = guardSession(guardKey);
				// right after a heartbeat of the first run, its guard's session ends
				// and the same command runs again: it takes the guard before the next
				// heartbeat
				String checked = lastActivity(guardSession);
				await().atMost(Duration.ofSeconds(30))
					.pollInterval(Duration.ofMillis(5))
					.until(() -> !checked.equals(lastActivity(guardSession)));
				// with a timeout it returns once the backend has exited, its advisory
				// locks released: without, only the signal was sent, and the second run
				// could find the guard still held (ALREADY_RUNNING, seen once in CI)
				assertThat(jdbc.queryForObject("SELECT pg_terminate_backend(?, 10000)", Boolean.class, guardSession))
					.isTrue();
				secondRun = runAsync(second, parameters);
				await().atMost(Duration.ofSeconds(10))
					.until(() -> secondRun.isDone() || jdbc.queryForObject(
							"""
									SELECT count(*) FROM pg_locks
									WHERE locktype = 'advisory' AND granted AND classid = ? AND objid::bigint = ? AND pid <> ?""",
							Long.class, JobRunGuard.NAMESPACE, guardKey, guardSession) > 0);
				assertThat(secondRun).as("the second run took the guard").isNotDone();
				// the first run's next heartbeat finds its session ended and the guard
				// taken, and stops what it started
				await().atMost(Duration.ofSeconds(30))
					.until(() -> output.getOut()
						.contains("lost its database session and another run of the job took it")
							&& (output.getOut().contains("is no longer running in the job repository")
									|| output.getOut().contains("after its current chunk; rerun the same command")
									|| output.getOut().contains("Found no execution of")));
				// time for a wrong stop to reach the job repository before the gate opens
				Thread.sleep(1000);
			}
			finally {
				sql(gate, "SELECT pg_advisory_unlock(" + GATE + ")");
			}
			assertThat(secondRun.get(60, TimeUnit.SECONDS).exitCode()).as("the run holding the guard")
				.isEqualTo(ExitCode.COMPLETED);
			// the second run marked the first run's execution FAILED to restart it: the
			// first fails at its next chunk
			assertThat(firstRun.get(60, TimeUnit.SECONDS).exitCode()).isEqualTo(ExitCode.FAILED);
		}
	}

	@Test
	void aRunThatEndsBetweenBeingListedAndBeingStoppedIsLeftAsItEnded() throws Exception {
		Map<String, String> parameters = Map.of("from", LAST.minusDays(2).toString(), "to", LAST.toString());
		try (ConfigurableApplicationContext context = context("0s"); Connection gate = dataSource.getConnection()) {
			JobOperator real = context.getBean(JobOperator.class);
			Job job = context.getBean(InProcessJobLauncher.class).job(RecomputeJobConfiguration.JOB_NAME);
			JobRepository repository = context.getBean(JobRepository.class);
			JobRunGuard guard = context.getBean(JobRunGuard.class);
			long ended = new JobRunner(real, repository, context.getBean(DataSource.class), guard,
					context.getBeanProvider(RunPrecondition.class))
				.run(job, parameters)
				.execution()
				.getId();
			// the real operator, except that it lists the execution that ended as still
			// running: as when it ends between being listed and being stopped
			JobOperator listing = (JobOperator) Proxy.newProxyInstance(JobOperator.class.getClassLoader(),
					new Class<?>[] { JobOperator.class }, (proxy, method, args) -> {
						if (method.getName().equals("getRunningExecutions")) {
							return Set.of(ended);
						}
						try {
							return method.invoke(real, args);
						}
						catch (InvocationTargetException ex) {
							throw ex.getCause();
						}
					});
			JobRunner runner = new JobRunner(listing, repository, context.getBean(DataSource.class), guard,
					context.getBeanProvider(RunPrecondition.class));
			sql(gate, "SELECT pg_advisory_lock(" + GATE + ")");
			CompletableFuture<JobRunner.Outcome> run;
			try {
				run = CompletableFuture.supplyAsync(() -> {
					try {
						return runner.run(job, parameters);
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				});
				await().atMost(Duration.ofSeconds(60)).until(() -> waiting("objid = " + GATE) > 0);
				assertThat(runner.stopRunning()).as("nothing was left to stop").isFalse();
				// as it ended: not STOPPING again, its end time kept
				assertThat(jdbc.queryForObject(
						"SELECT status || ' ' || (end_time IS NOT NULL) FROM batch_job_execution WHERE job_execution_id = ?",
						String.class, ended))
					.isEqualTo("COMPLETED true");
			}
			finally {
				sql(gate, "SELECT pg_advisory_unlock(" + GATE + ")");
			}
			assertThat(run.get(60, TimeUnit.SECONDS).exitCode()).isEqualTo(ExitCode.COMPLETED);
		}
	}

	/** The backend holding the guard's lock. */
	private static int guardSession(long guardKey) {
		return jdbc.queryForObject("""
				SELECT pid FROM pg_locks
				WHERE locktype = 'advisory' AND granted AND classid = ? AND objid::bigint = ?""", Integer.class,
				JobRunGuard.NAMESPACE, guardKey);
	}

	private static ConfigurableApplicationContext context(String heartbeat) {
		return new SpringApplicationBuilder(HealthScoreApplication.class).run("--spring.datasource.url=" + url(),
				"--spring.datasource.username=postgres", "--healthscore.recompute.chunk-size=4",
				"--healthscore.recompute.threads=2", "--healthscore.guard.heartbeat-interval=" + heartbeat);
	}

	private static CompletableFuture<JobRunner.Outcome> runAsync(ConfigurableApplicationContext context,
			Map<String, String> parameters) {
		return CompletableFuture.supplyAsync(() -> {
			try {
				Job job = context.getBean(InProcessJobLauncher.class).job(RecomputeJobConfiguration.JOB_NAME);
				return context.getBean(JobRunner.class).run(job, parameters);
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
	}

	/** When the backend last ran a statement: a heartbeat's check is one. */
	private static String lastActivity(int pid) {
		return jdbc.queryForObject("SELECT coalesce(state_change::text, '') FROM pg_stat_activity WHERE pid = ?",
				String.class, pid);
	}

	private static long waiting(String condition) {
		return jdbc.queryForObject(
				"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND " + condition,
				Long.class);
	}

	private static void sql(Connection connection, String sql) {
		try (Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String url() {
		return postgres.getJdbcUrl("postgres", "postgres");
	}

}
