package dev.healthscore.jobs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.AppProcess;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.ScoreAssertions;
import dev.healthscore.jobs.WriteGate;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs the application as a real process, as ECS does: SIGTERM stops a job gracefully
 * with the "stopped" exit code and the same command resumes it; a second run of a job
 * while one is running is refused with the "already running" exit code.
 */
class JobProcessIntegrationTests {

	private static final LocalDate FIRST = LocalDate.parse("2025-02-01");

	private static final LocalDate LAST = LocalDate.parse("2025-02-28");

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
		assertThat(HealthScoreApplication.run("generate", "--users=120", "--days=28", "--end=" + LAST,
				"--spring.datasource.url=" + url(), "--spring.datasource.username=postgres"))
			.isZero();
		// holds a job's writes while a test signals it or starts a second run
		WriteGate.install(jdbc, "health_score");
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		postgres.close();
	}

	@Test
	void sigtermStopsTheJobAfterItsChunkExitsFiveAndTheSameCommandResumesIt(@TempDir Path dir) throws Exception {
		jdbc.execute("TRUNCATE health_score");
		Process process;
		try (WriteGate gate = WriteGate.shut(dataSource)) {
			process = start(dir, "run", "recompute", "--from=" + FIRST, "--to=" + LAST);
			gate.awaitWriterHeld();
			process.destroy();
			// the job is asked to stop while its first chunks wait to commit
			await().atMost(Duration.ofSeconds(60))
				.until(() -> Files.readString(dir.resolve("out.log"))
					.contains("Shutdown requested: stopping the running job after its current chunk"));
		}
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(Files.readString(dir.resolve("out.log"))).isEqualTo(5);
		assertThat(jdbc.queryForObject("SELECT status FROM batch_job_execution ORDER BY job_execution_id DESC LIMIT 1",
				String.class))
			.isEqualTo("STOPPED");
		long usersDone = count("SELECT count(DISTINCT user_id) FROM health_score");
		assertThat(usersDone).isLessThan(120);
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	@Test
	void aRunKilledMidWayIsMarkedFailedAndTheSameCommandResumesIt(@TempDir Path dir) throws Exception {
		String to = LAST.minusDays(1).toString();
		long killed = recomputeKilledMidChunk(dir, to);
		long instances = count("SELECT count(*) FROM batch_job_instance");
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + to)).isZero();
		assertThat(executionStatus(killed)).as("the killed execution").isEqualTo("FAILED");
		assertThat(count("SELECT count(*) FROM batch_job_instance")).as("the same instance resumed")
			.isEqualTo(instances);
		assertThat(executionStatus(count("SELECT max(job_execution_id) FROM batch_job_execution")))
			.isEqualTo("COMPLETED");
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST.minusDays(1))).isEmpty();
	}

	@Test
	void stopOfARunWhoseProcessDiedMarksItFailedAtOnceAndTheSameCommandResumesIt(@TempDir Path dir) throws Exception {
		String to = LAST.minusDays(2).toString();
		long killed = recomputeKilledMidChunk(dir, to);
		assertThat(app("stop", String.valueOf(killed))).isZero();
		// not STOPPED as if it had stopped after its chunk: nothing would ever stop it
		assertThat(executionStatus(killed)).isEqualTo("FAILED");
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + to)).isZero();
		assertThat(executionStatus(count("SELECT max(job_execution_id) FROM batch_job_execution")))
			.isEqualTo("COMPLETED");
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST.minusDays(2))).isEmpty();
	}

	@Test
	void restartOfARunWhoseProcessDiedMarksItFailedAndResumesIt(@TempDir Path dir) throws Exception {
		String to = LAST.minusDays(4).toString();
		long killed = recomputeKilledMidChunk(dir, to);
		long instances = count("SELECT count(*) FROM batch_job_instance");
		assertThat(app("restart", String.valueOf(killed))).isZero();
		assertThat(executionStatus(killed)).as("the killed execution").isEqualTo("FAILED");
		assertThat(count("SELECT count(*) FROM batch_job_instance")).as("the same instance resumed")
			.isEqualTo(instances);
		assertThat(executionStatus(count("SELECT max(job_execution_id) FROM batch_job_execution")))
			.isEqualTo("COMPLETED");
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST.minusDays(4))).isEmpty();
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void stopOfALiveRunAsksItToStopAndItEndsStoppedAfterItsChunk(@TempDir Path dir, CapturedOutput output)
			throws Exception {
		jdbc.execute("TRUNCATE health_score");
		String to = LAST.minusDays(3).toString();
		Process process;
		try (WriteGate gate = WriteGate.shut(dataSource)) {
			process = start(dir, "run", "recompute", "--from=" + FIRST, "--to=" + to);
			gate.awaitWriterHeld();
			long running = count("SELECT max(job_execution_id) FROM batch_job_execution");
			assertThat(app("stop", String.valueOf(running))).isZero();
			// still at work on its chunk: STOPPING, not ended, until its process stops it
			assertThat(executionStatus(running)).isEqualTo("STOPPING");
			assertThat(
					jdbc.queryForObject("SELECT end_time IS NULL FROM batch_job_execution WHERE job_execution_id = ?",
							Boolean.class, running))
				.isTrue();
			int before = output.getOut().length();
			assertThat(app("restart", String.valueOf(running))).isEqualTo(3);
			assertThat(output.getOut().substring(before)).contains(("Cannot restart recompute execution %d: it is still"
					+ " running in another process, asked to stop after its current chunk (STOPPING); nothing was"
					+ " started.")
				.formatted(running));
		}
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(() -> readLog(dir.resolve("out.log"))).isEqualTo(5);
		long last = count("SELECT max(job_execution_id) FROM batch_job_execution");
		assertThat(executionStatus(last)).isEqualTo("STOPPED");
		assertThat(jdbc.queryForObject(
				"SELECT end_time IS NOT NULL FROM batch_job_execution WHERE job_execution_id = ?", Boolean.class, last))
			.isTrue();
	}

	/**
	 * {@code restart} of an execution that another process is running is refused with
	 * exit code 3, as a second run is; the message says that it is that execution itself
	 * that is still running, not another run of its job, and what to do. The execution
	 * goes on, still running.
	 */
	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void restartOfAnExecutionStillRunningInAnotherProcessSaysSoAndExitsThree(@TempDir Path dir, CapturedOutput output)
			throws Exception {
		jdbc.execute("TRUNCATE health_score");
		String to = LAST.minusDays(5).toString();
		Process process = null;
		try (WriteGate gate = WriteGate.shut(dataSource)) {
			process = start(dir, "run", "recompute", "--from=" + FIRST, "--to=" + to);
			gate.awaitWriterHeld();
			long running = count("SELECT max(job_execution_id) FROM batch_job_execution");
			int before = output.getOut().length();
			assertThat(app("restart", String.valueOf(running))).isEqualTo(3);
			assertThat(output.getOut().substring(before))
				.contains(("Cannot restart recompute execution %d: it is still running (STARTED) in another process;"
						+ " nothing was started. Wait for it to end, or stop it first ('stop %d': it ends STOPPED"
						+ " after its current chunk) and then restart %d to resume it where it stopped; 'status'"
						+ " shows it")
					.formatted(running, running, running))
				.doesNotContain("another run of it");
			assertThat(executionStatus(running)).as("left running").isEqualTo("STARTED");
			assertThat(count("SELECT max(job_execution_id) FROM batch_job_execution")).as("nothing started")
				.isEqualTo(running);
		}
		finally {
			end(process);
		}
	}

	/**
	 * {@code restart} of a failed execution whose run went on as a later execution, which
	 * another process is running, names that execution, not another run of the job.
	 */
	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void restartOfAnExecutionWhoseRunGoesOnInAnotherProcessNamesTheRunningExecution(@TempDir Path dir,
			CapturedOutput output) throws Exception {
		String to = LAST.minusDays(6).toString();
		long killed = recomputeKilledMidChunk(dir, to);
		Path resumedDir = Files.createDirectories(dir.resolve("resumed"));
		Process process = null;
		try (WriteGate gate = WriteGate.shut(dataSource)) {
			// the same command marks the killed execution FAILED and resumes its run
			process = start(resumedDir, "run", "recompute", "--from=" + FIRST, "--to=" + to);
			gate.awaitWriterHeld();
			long resumed = count("SELECT max(job_execution_id) FROM batch_job_execution");
			assertThat(resumed).isGreaterThan(killed);
			assertThat(executionStatus(killed)).isEqualTo("FAILED");
			int before = output.getOut().length();
			assertThat(app("restart", String.valueOf(killed))).isEqualTo(3);
			assertThat(output.getOut().substring(before))
				.contains(("Cannot restart recompute execution %d: its run goes on as execution %d, still running"
						+ " (STARTED) in another process; nothing was started.")
					.formatted(killed, resumed))
				.doesNotContain("another run of it");
			assertThat(count("SELECT max(job_execution_id) FROM batch_job_execution")).as("nothing started")
				.isEqualTo(resumed);
		}
		finally {
			end(process);
		}
	}

	/** Ends a process a test started, if it did (SIGTERM), and waits for it. */
	private static void end(Process process) throws InterruptedException {
		if (process != null) {
			process.destroy();
			process.waitFor(60, TimeUnit.SECONDS);
		}
	}

	/**
	 * Starts a recompute of all users from {@link #FIRST} to {@code to} in a process of
	 * its own on empty scores, and kills it (SIGKILL) while its first chunks wait to
	 * commit.
	 * @return the execution it left STARTED
	 */
	private static long recomputeKilledMidChunk(Path dir, String to) throws Exception {
		jdbc.execute("TRUNCATE health_score");
		try (WriteGate gate = WriteGate.shut(dataSource)) {
			Process process = start(dir, "run", "recompute", "--from=" + FIRST, "--to=" + to);
			gate.awaitWriterHeld();
			process.destroyForcibly();
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		}
		long killed = count("SELECT max(job_execution_id) FROM batch_job_execution");
		assertThat(executionStatus(killed)).isEqualTo("STARTED");
		return killed;
	}

	private static String executionStatus(long execution) {
		return jdbc.queryForObject("SELECT status FROM batch_job_execution WHERE job_execution_id = ?", String.class,
				execution);
	}

	/**
	 * Spring Batch stores an execution's start and end as local times of the JVM's
	 * default zone, without the zone: a process on a host in another zone (a scheduler
	 * host, a laptop) stores UTC, as the containers do, or {@code status} in another
	 * process would read its times in the wrong zone.
	 */
	@Test
	void aProcessOnAHostInAnotherZoneStoresItsExecutionsTimesInUtc(@TempDir Path dir) throws Exception {
		Instant before = Instant.now();
		Process process = start(dir, List.of("-Duser.timezone=America/St_Johns"), "run", "recompute", "--from=" + LAST,
				"--to=" + LAST, "--users=1");
		assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
		assertThat(process.exitValue()).as(readLog(dir.resolve("out.log"))).isZero();
		Instant after = Instant.now();
		LocalDateTime started = jdbc.queryForObject(
				"SELECT start_time FROM batch_job_execution ORDER BY job_execution_id DESC LIMIT 1",
				LocalDateTime.class);
		assertThat(started.toInstant(ZoneOffset.UTC)).isBetween(before, after);
	}

	@Test
	void aSecondRunOfARunningJobIsRefusedWithExitCodeThree(@TempDir Path dir) throws Exception {
		jdbc.execute("TRUNCATE health_score");
		Process process = null;
		try (WriteGate gate = WriteGate.shut(dataSource)) {
			process = start(dir, "run", "recompute", "--from=" + FIRST, "--to=" + FIRST.plusDays(20));
			gate.awaitWriterHeld();
			assertThat(app("run", "recompute", "--from=" + LAST.minusDays(2), "--to=" + LAST)).isEqualTo(3);
		}
		finally {
			end(process);
		}
	}

	@Test
	void aShardProcessStoppedBySigtermStopsItsOwnRunOnlyAndTheOtherShardCompletes(@TempDir Path dir) throws Exception {
		jdbc.execute("TRUNCATE health_score");
		Process stopped = null;
		Process other = null;
		try {
			try (WriteGate gate = WriteGate.shut(dataSource)) {
				stopped = start(Files.createDirectories(dir.resolve("shard0")), "run", "recompute", "--from=" + FIRST,
						"--to=" + LAST, "--shard=0/2");
				other = start(Files.createDirectories(dir.resolve("shard1")), "run", "recompute", "--from=" + FIRST,
						"--to=" + LAST, "--shard=1/2");
				// both shards' executions are running, held at the gate
				await().atMost(Duration.ofSeconds(60)).until(() -> count("""
						SELECT count(*) FROM batch_job_execution e
						JOIN batch_job_execution_params p ON p.job_execution_id = e.job_execution_id
						  AND p.parameter_name = 'shard'
						WHERE e.status = 'STARTED'""") == 2);
				gate.awaitWriterHeld();
				stopped.destroy(); // SIGTERM, as ECS stops a task
				// the stop is asked for before the gate opens
				Path log = dir.resolve("shard0").resolve("out.log");
				await().atMost(Duration.ofSeconds(60))
					.until(() -> Files.readString(log).contains("Shutdown requested: stopping the running job"));
			}
			assertThat(stopped.waitFor(120, TimeUnit.SECONDS)).isTrue();
			assertThat(stopped.exitValue()).as("the stopped shard's exit code").isEqualTo(5);
			assertThat(other.waitFor(120, TimeUnit.SECONDS)).isTrue();
			assertThat(other.exitValue()).as("the other shard's exit code").isZero();
		}
		finally {
			for (Process process : new Process[] { stopped, other }) {
				if (process != null && process.isAlive()) {
					process.destroyForcibly();
					process.waitFor(60, TimeUnit.SECONDS);
				}
			}
		}
	}

	@Test
	void theNightlyChainStoppedBySigtermExitsWithTheStoppedCode(@TempDir Path dir) throws Exception {
		jdbc.execute("TRUNCATE health_score");
		Process nightly = null;
		try {
			try (WriteGate gate = WriteGate.shut(dataSource)) {
				// the last two days of the data set are the nightly recompute's window
				nightly = start(dir, "run", "nightly", "--scheduled-time=" + LAST.plusDays(2) + "T02:00:00Z");
				gate.awaitWriterHeld();
				nightly.destroy(); // SIGTERM, as ECS stops a task
				Path log = dir.resolve("out.log");
				await().atMost(Duration.ofSeconds(60))
					.until(() -> Files.readString(log).contains("Shutdown requested: stopping the running job"));
			}
			assertThat(nightly.waitFor(120, TimeUnit.SECONDS)).isTrue();
			assertThat(nightly.exitValue()).as("the chain's exit code").isEqualTo(5);
			String log = Files.readString(dir.resolve("out.log"));
			assertThat(log).contains("not running the steps after it");
			// the step's own summary, as a run of the job alone ends with, the chain's
			// and the scheduler's launcher alike
			assertThat(log).containsPattern("WARN .* : recompute execution \\d+ \\(schedule nightly, firing "
					+ LAST.plusDays(2) + "T02:00:00Z\\) ended STOPPED: stopped on request\\. To go on, restart \\d+ to"
					+ " resume it where it stopped");
		}
		finally {
			if (nightly != null && nightly.isAlive()) {
				nightly.destroyForcibly();
				nightly.waitFor(60, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void threeShardProcessesAtOnceScoreEveryUserExactlyOnce(@TempDir Path dir) throws Exception {
		jdbc.execute("TRUNCATE health_score");
		List<Process> shards = new ArrayList<>();
		for (int shard = 0; shard < 3; shard++) {
			Path shardDir = Files.createDirectories(dir.resolve("shard" + shard));
			shards
				.add(start(shardDir, "run", "recompute", "--from=" + FIRST, "--to=" + LAST, "--shard=" + shard + "/3"));
		}
		for (int shard = 0; shard < 3; shard++) {
			Process process = shards.get(shard);
			Path log = dir.resolve("shard" + shard).resolve("out.log");
			assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
			// what the process said, should it have failed
			assertThat(process.exitValue()).as(() -> readLog(log)).isZero();
		}
		Long usersScored = jdbc.queryForObject(
				"""
						SELECT sum(s.write_count) FROM batch_step_execution s
						JOIN batch_job_execution_params p ON p.job_execution_id = s.job_execution_id AND p.parameter_name = 'shard'
						WHERE s.step_name LIKE 'recomputeScoresWorker:%'""",
				Long.class);
		assertThat(usersScored).isEqualTo(count("""
				SELECT count(*) FROM (SELECT user_id FROM app_user UNION SELECT user_id FROM health_reading) u"""));
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	private static Process start(Path dir, String... args) throws IOException {
		return start(dir, List.of(), args);
	}

	private static Process start(Path dir, List<String> jvmOptions, String... args) throws IOException {
		List<String> all = new ArrayList<>(List.of(args));
		all.addAll(List.of("--spring.datasource.url=" + url(), "--spring.datasource.username=postgres",
				"--healthscore.recompute.chunk-size=5"));
		return AppProcess.start(dir.resolve("out.log"), jvmOptions, all);
	}

	private static String readLog(Path log) {
		try {
			return Files.readString(log);
		}
		catch (IOException ex) {
			return "(its log " + log + " cannot be read: " + ex + ")";
		}
	}

	private static int app(String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.addAll(List.of("--spring.datasource.url=" + url(), "--spring.datasource.username=postgres"));
		return HealthScoreApplication.run(all.toArray(String[]::new));
	}

	private static long count(String sql) {
		return jdbc.queryForObject(sql, Long.class);
	}

	private static String url() {
		return postgres.getJdbcUrl("postgres", "postgres");
	}

}
