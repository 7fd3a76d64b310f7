package dev.healthscore.jobs.recompute;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.InProcessJobLauncher;
import dev.healthscore.jobs.cli.JobRunner;
import io.micrometer.core.instrument.MeterRegistry;
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
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The recompute's {@link ProgressListener} lives as long as its application: in the
 * scheduler process it sees job after job, and forgets each job's progress when the job
 * ends, whether it completed, failed or was stopped.
 */
@ExtendWith(OutputCaptureExtension.class)
class RecomputeProgressIntegrationTests {

	/** A trigger that fails the insert of user 30's scores, in the chunk's write. */
	private static final String FAIL_AT_INSERT = "CREATE TRIGGER fail_for_user BEFORE INSERT ON health_score FOR EACH ROW"
			+ " EXECUTE FUNCTION fail_for_user()";

	private static final LocalDate LAST = LocalDate.parse("2025-03-10");

	private static final Map<String, String> RANGE = Map.of("from", LAST.minusDays(3).toString(), "to",
			LAST.toString());

	/** The advisory lock a test holds to hold the score writers up. */
	private static final long GATE = 4242;

	private static TemporaryPostgres postgres;

	private static HikariDataSource dataSource;

	private static JdbcTemplate jdbc;

	private ConfigurableApplicationContext context;

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

	/** One application for the test's jobs, as the scheduler has. */
	@BeforeEach
	void start() {
		this.context = new SpringApplicationBuilder(HealthScoreApplication.class).run(
				"--spring.datasource.url=" + url(), "--spring.datasource.username=postgres",
				"--healthscore.recompute.chunk-size=4", "--healthscore.recompute.threads=2");
	}

	@AfterEach
	void close() {
		this.context.close();
	}

	@Test
	void aCompletedJobLeavesNoProgressBehind() throws Exception {
		assertThat(run().exitCode()).isEqualTo(ExitCode.COMPLETED);
		assertThat(run().exitCode()).isEqualTo(ExitCode.COMPLETED);
		assertThat(progress().tracked()).isZero();
	}

	@Test
	void aShardsProgressCountsTheUsersOfItsShard(CapturedOutput output) throws Exception {
		// users 1..40: shard 1/3 holds 1, 4, .., 40, fourteen of them, not 40 / 3
		Map<String, String> shard = new HashMap<>(RANGE);
		shard.put("shard", "1/3");
		assertThat(run(shard).exitCode()).isEqualTo(ExitCode.COMPLETED);
		assertThat(output).contains(": 14/14 users").doesNotContain("/13 users");
		// of the listed users, those of the shard: 1 and 4
		shard.put("users", "1,2,3,4");
		assertThat(run(shard).exitCode()).isEqualTo(ExitCode.COMPLETED);
		assertThat(output).contains(": 2/2 users").doesNotContain("/4 users");
	}

	/**
	 * The generator writes readings of user 41, whom app_user does not hold: the reader
	 * hands them out to be quarantined, and they are not one of the 40 users.
	 */
	@Test
	void readingsOfAnUnknownUserAreNotCountedAsAUser(CapturedOutput output) throws Exception {
		assertThat(jdbc.queryForObject("SELECT count(*) FROM health_reading WHERE user_id = 41", Long.class))
			.isPositive();
		assertThat(run().exitCode()).isEqualTo(ExitCode.COMPLETED);
		assertThat(output).contains(": 40/40 users (and the readings of 1 user id not in app_user, quarantined), ")
			.doesNotContain("41/40 users");
	}

	/**
	 * Each partition's line, as it ended, showed the job's counts so far (the last one
	 * 40/40 users), not its own: each now shows its own, which add up to the job's, and
	 * the partitioned step's line, once they have all ended, shows the job's.
	 */
	@Test
	void eachPartitionLogsItsOwnCountsAndThePartitionedStepTheJobs(CapturedOutput output) throws Exception {
		int before = output.getOut().length();
		// a range of its own: a new run, not the resumption of another test's stopped one
		JobRunner.Outcome outcome = run(Map.of("from", LAST.minusDays(4).toString(), "to", LAST.toString()));
		assertThat(outcome.exitCode()).isEqualTo(ExitCode.COMPLETED);
		String logged = output.getOut().substring(before);
		String counts = "(\\d+)(/40)? users(?: \\(and the readings of \\d+ user ids? not in app_user, quarantined\\))?,"
				+ " (\\d+) user-days, (\\d+) readings";
		Matcher partition = Pattern
			.compile("Job execution " + outcome.execution().getId() + " recomputeScoresWorker:partition\\d+ COMPLETED: "
					+ counts + " of this partition in ")
			.matcher(logged);
		long users = 0;
		long userDays = 0;
		long readings = 0;
		int partitions = 0;
		while (partition.find()) {
			assertThat(partition.group(2)).as(partition.group()).isNull();
			assertThat(Long.parseLong(partition.group(1))).as(partition.group()).isBetween(1L, 39L);
			users += Long.parseLong(partition.group(1));
			userDays += Long.parseLong(partition.group(3));
			readings += Long.parseLong(partition.group(4));
			partitions++;
		}
		assertThat(partitions).as(logged).isEqualTo(2);
		Matcher total = Pattern
			.compile("Job execution " + outcome.execution().getId() + " recomputeScores COMPLETED: " + counts + " in ")
			.matcher(logged);
		assertThat(total.find()).as(logged).isTrue();
		assertThat(total.group(1) + total.group(2)).isEqualTo("40/40");
		assertThat(users).isEqualTo(40);
		assertThat(userDays).isEqualTo(Long.parseLong(total.group(3)));
		assertThat(readings).isEqualTo(Long.parseLong(total.group(4)));
	}

	/**
	 * A resumed execution's line counted only the users it scored itself, out of all the
	 * instance's (12/40 users, with time left to go): the operator could not tell from it
	 * how many the recompute covered. It now gives its own counts, then the job
	 * instance's, which its earlier execution's partitions kept in their execution
	 * contexts: as many as one execution that scores the same range whole counts.
	 */
	@Test
	void aResumedExecutionLogsItsOwnCountsThenItsJobInstances(CapturedOutput output) throws Exception {
		// a range of its own: its first run is a new instance, not another test's resumed
		Map<String, String> range = Map.of("from", LAST.minusDays(1).toString(), "to", LAST.toString());
		// users 1..20 are the first partition's, 21..40 the second's: it writes two
		// chunks of 4, then fails
		JobRunner.Outcome failed = runFailingAtUser30(range, FAIL_AT_INSERT);
		assertThat(failed.exitCode()).isEqualTo(ExitCode.FAILED);
		// it said "ETA 0 s" with users left, about an execution that had ended
		assertThat(output.getOut()).containsPattern("Job execution " + failed.execution().getId()
				+ " recomputeScores FAILED: \\d+/40 users[^\\n]*, ETA none: it ended with \\d+ users? left");
		int before = output.getOut().length();
		JobRunner.Outcome resumed = run(range);
		assertThat(resumed.exitCode()).isEqualTo(ExitCode.COMPLETED);
		assertThat(resumed.execution().getJobInstanceId()).as("a restart")
			.isEqualTo(failed.execution().getJobInstanceId());
		String logged = output.getOut().substring(before);
		String counts = "(\\d+)(/40)? users(?: \\(and the readings of \\d+ user ids? not in app_user, quarantined\\))?,"
				+ " (\\d+) user-days, (\\d+) readings";
		Matcher line = Pattern
			.compile("Job execution " + resumed.execution().getId() + " recomputeScores COMPLETED: " + counts
					+ " in this execution in \\d+ s; [^;]*, ETA 0 s; job instance "
					+ resumed.execution().getJobInstanceId() + " with execution " + failed.execution().getId()
					+ " before it: (.*)")
			.matcher(logged);
		assertThat(line.find()).as(logged).isTrue();
		assertThat(line.group(2)).as(line.group()).isNull();
		assertThat(Long.parseLong(line.group(1))).as(line.group()).isBetween(1L, 39L);
		String instance = line.group(5);
		// one execution over the range: a new instance, as the last one completed
		before = output.getOut().length();
		JobRunner.Outcome whole = run(range);
		assertThat(whole.exitCode()).isEqualTo(ExitCode.COMPLETED);
		assertThat(whole.execution().getJobInstanceId()).isNotEqualTo(resumed.execution().getJobInstanceId());
		Matcher once = Pattern
			.compile("Job execution " + whole.execution().getId() + " recomputeScores COMPLETED: (.*) in \\d+ s;")
			.matcher(output.getOut().substring(before));
		assertThat(once.find()).as(output.getOut().substring(before)).isTrue();
		assertThat(instance).isEqualTo(once.group(1)).startsWith("40/40 users");
	}

	/**
	 * A failed execution's line counted the readings of the chunk that rolled back, which
	 * neither the database nor the partitions' execution contexts (a restart's totals)
	 * hold. It now counts the chunks that committed: as many users and user-days as
	 * health_score holds, as many readings as the execution contexts; and says apart the
	 * chunk that rolled back.
	 */
	@Test
	void aFailedExecutionCountsOnlyTheChunksItCommitted(CapturedOutput output) throws Exception {
		// the third chunk's write fails
		assertCountsOnlyCommittedChunks(output, LAST.minusDays(2), "FAILED", FAIL_AT_INSERT);
	}

	@Test
	void aChunkWhoseCommitFailsIsNotCountedEither(CapturedOutput output) throws Exception {
		// the third chunk's write succeeds, and its commit fails: a deferred constraint
		// trigger runs at COMMIT, after the chunk listeners have seen the chunk written.
		// Spring Batch then cannot save the partition's step execution (its version moved
		// on in the transaction that rolled back) and marks it UNKNOWN
		assertCountsOnlyCommittedChunks(output, LAST.minusDays(3), "UNKNOWN",
				"CREATE CONSTRAINT TRIGGER fail_for_user AFTER INSERT ON health_score DEFERRABLE INITIALLY DEFERRED"
						+ " FOR EACH ROW EXECUTE FUNCTION fail_for_user()");
	}

	/**
	 * Runs the job over {@code range} with {@code trigger} on {@code health_score}
	 * calling {@code fail_for_user()}, which fails for user 30, and removes both after.
	 */
	private JobRunner.Outcome runFailingAtUser30(Map<String, String> range, String trigger) throws Exception {
		jdbc.execute("""
				CREATE FUNCTION fail_for_user() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF NEW.user_id = 30 THEN RAISE EXCEPTION 'injected failure for user %', NEW.user_id; END IF;
					RETURN NEW;
				END $$""");
		jdbc.execute(trigger);
		try {
			return run(range);
		}
		finally {
			jdbc.execute("DROP TRIGGER fail_for_user ON health_score");
			jdbc.execute("DROP FUNCTION fail_for_user()");
		}
	}

	private void assertCountsOnlyCommittedChunks(CapturedOutput output, LocalDate day, String status, String trigger)
			throws Exception {
		// a day of its own: a new instance, and its scores are this run's
		Map<String, String> range = Map.of("from", day.toString(), "to", day.toString());
		jdbc.update("DELETE FROM health_score WHERE score_date = ?", day);
		// users 21..40 are the second partition's: it commits two chunks of 4, then the
		// third (29..32) rolls back
		JobRunner.Outcome failed = runFailingAtUser30(range, trigger);
		assertThat(failed.exitCode()).isEqualTo(ExitCode.FAILED);
		Matcher line = Pattern
			.compile("Job execution " + failed.execution().getId() + " recomputeScores " + status
					+ ": (\\d+)/40 users(?: \\(and the readings of \\d+ user ids? not in"
					+ " app_user, quarantined\\))?, (\\d+) user-days, (\\d+) readings(.*?) in \\d+ s;")
			.matcher(output.getOut());
		assertThat(line.find()).as(output.getOut()).isTrue();
		// what the partitions committed, as their execution contexts say
		long users = 0;
		long readings = 0;
		for (StepExecution step : this.context.getBean(JobRepository.class)
			.getJobExecution(failed.execution().getId())
			.getStepExecutions()) {
			if (step.getStepName().contains(":")) {
				users += step.getExecutionContext().getLong("progress.users", 0);
				readings += step.getExecutionContext().getLong("progress.readings", 0);
			}
		}
		// a user without a score that day has no row, but was scored
		assertThat(Long.parseLong(line.group(1))).as(line.group())
			.isEqualTo(users)
			.isGreaterThanOrEqualTo(jdbc.queryForObject(
					"SELECT count(DISTINCT user_id) FROM health_score WHERE score_date = ?", Long.class, day))
			.isBetween(1L, 39L);
		assertThat(Long.parseLong(line.group(2))).as(line.group())
			.isEqualTo(jdbc.queryForObject("SELECT count(*) FROM health_score WHERE score_date = ?", Long.class, day));
		assertThat(Long.parseLong(line.group(3))).as(line.group()).isEqualTo(readings).isPositive();
		assertThat(line.group(4)).as(line.group())
			.matches(" \\(not counted: a chunk of 4 users, [1-9]\\d* readings, rolled back\\)");
	}

	/** The application's other every-job listener, beside the progress. */
	@Test
	void everyRunReachesTheJobMetrics() throws Exception {
		MeterRegistry registry = this.context.getBean(MeterRegistry.class);
		double before = registry.counter("healthscore.job.runs", "job", "recompute", "status", "COMPLETED").count();
		assertThat(run().exitCode()).isEqualTo(ExitCode.COMPLETED);
		assertThat(registry.counter("healthscore.job.runs", "job", "recompute", "status", "COMPLETED").count())
			.isEqualTo(before + 1);
	}

	@Test
	void aFailedJobLeavesNoProgressBehind() throws Exception {
		jdbc.execute("""
				CREATE FUNCTION fail_scores() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					RAISE EXCEPTION 'injected failure for user %', NEW.user_id;
				END $$""");
		jdbc.execute(
				"CREATE TRIGGER fail_scores BEFORE INSERT ON health_score FOR EACH ROW EXECUTE FUNCTION fail_scores()");
		try {
			JobRunner.Outcome outcome = run();
			assertThat(outcome.exitCode()).isEqualTo(ExitCode.FAILED);
			assertThat(outcome.execution().getStatus()).isEqualTo(BatchStatus.FAILED);
		}
		finally {
			jdbc.execute("DROP TRIGGER fail_scores ON health_score");
			jdbc.execute("DROP FUNCTION fail_scores()");
		}
		assertThat(progress().tracked()).isZero();
	}

	/**
	 * The score writers wait at a gate the test holds closed; the job is asked to stop
	 * while they wait, and stops after the chunk the gate lets through.
	 */
	@Test
	void aStoppedJobLeavesNoProgressBehind() throws Exception {
		jdbc.execute(String.format(Locale.ROOT, """
				CREATE FUNCTION gate_scores() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					PERFORM pg_advisory_xact_lock_shared(%d);
					RETURN NEW;
				END $$""", GATE));
		jdbc.execute(
				"CREATE TRIGGER gate_scores BEFORE INSERT ON health_score FOR EACH ROW EXECUTE FUNCTION gate_scores()");
		try (Connection gate = dataSource.getConnection()) {
			lock(gate, "pg_advisory_lock");
			CompletableFuture<JobRunner.Outcome> outcome;
			try {
				outcome = CompletableFuture.supplyAsync(() -> {
					try {
						return run();
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				});
				await().atMost(Duration.ofSeconds(60))
					.until(() -> jdbc.queryForObject(
							"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
							Long.class) > 0);
				// while it runs, the job has a progress
				assertThat(progress().tracked()).isOne();
				assertThat(this.context.getBean(JobRunner.class).stopRunning()).isTrue();
			}
			finally {
				lock(gate, "pg_advisory_unlock");
			}
			JobRunner.Outcome stopped = outcome.get();
			assertThat(stopped.exitCode()).isEqualTo(ExitCode.STOPPED);
			assertThat(stopped.execution().getStatus()).isEqualTo(BatchStatus.STOPPED);
		}
		finally {
			jdbc.execute("DROP TRIGGER gate_scores ON health_score");
			jdbc.execute("DROP FUNCTION gate_scores()");
		}
		assertThat(progress().tracked()).isZero();
	}

	private JobRunner.Outcome run() throws Exception {
		return run(RANGE);
	}

	private JobRunner.Outcome run(Map<String, String> parameters) throws Exception {
		Job job = this.context.getBean(InProcessJobLauncher.class).job(RecomputeJobConfiguration.JOB_NAME);
		return this.context.getBean(JobRunner.class).run(job, parameters);
	}

	private ProgressListener progress() {
		return this.context.getBean(ProgressListener.class);
	}

	private static void lock(Connection connection, String function) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("SELECT " + function + "(" + GATE + ")");
		}
	}

	private static String url() {
		return postgres.getJdbcUrl("postgres", "postgres");
	}

}
