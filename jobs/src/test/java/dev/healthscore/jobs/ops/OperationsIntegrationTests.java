package dev.healthscore.jobs.ops;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.cli.JobRunGuard;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code status} and {@code restart <id>} on a real PostgreSQL, through the application's
 * command line.
 */
@ExtendWith(OutputCaptureExtension.class)
class OperationsIntegrationTests {

	private static final String FROM = "2025-02-01";

	private static final String TO = "2025-02-14";

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
		assertThat(app("generate", "--users=40", "--days=14", "--end=" + TO)).isZero();
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		postgres.close();
	}

	@Test
	void statusCountsThePartitionedStepsRowsOnce(CapturedOutput output) {
		assertThat(app("run", "recompute", "--from=" + FROM, "--to=" + TO, "--users=1,2,3,4,5,6,7")).isZero();
		long id = lastExecution();
		long users = jdbc.queryForObject("SELECT sum(write_count) FROM batch_step_execution "
				+ "WHERE job_execution_id = ? AND step_name LIKE 'recomputeScoresWorker:%'", Long.class, id);
		assertThat(users).isEqualTo(7);
		int before = output.getOut().length();
		assertThat(app("status")).isZero();
		String line = output.getOut()
			.substring(before)
			.lines()
			.filter((l) -> l.matches("recompute\\s+" + id + "\\s.*"))
			.findFirst()
			.orElseThrow();
		String[] columns = line.trim().split("\\s+");
		assertThat(columns[columns.length - 1]).as(line).isEqualTo("7");
	}

	@Test
	void statusSaysADryRunWroteNothing(CapturedOutput output) {
		// its 'written' column gave the users the run would have written, as if written
		assertThat(app("run", "reconcile", "--from=" + FROM, "--to=" + TO, "--dry-run")).isZero();
		long id = lastExecution();
		int before = output.getOut().length();
		assertThat(app("status")).isZero();
		List<String> out = output.getOut().substring(before).lines().toList();
		int line = out
			.indexOf(out.stream().filter((l) -> l.matches("reconcile\\s+" + id + "\\s.*")).findFirst().orElseThrow());
		assertThat(out.get(line + 1)).as(out.get(line))
			.isEqualTo("            from=%s to=%s dry-run".formatted(FROM, TO));
		assertThat(out.get(line + 2)).as(out.get(line))
			.isEqualTo("            dry run: nothing was written ('written' is what the run would have written)");
	}

	/**
	 * Two runs of a job showed the same line but for their counts: which days, users,
	 * shard or firing each ran was nowhere. Each execution's parameters are on the line
	 * under its, its run id left out.
	 */
	@Test
	void statusTellsTwoRunsOfAJobApartByTheirParameters(CapturedOutput output) {
		assertThat(app("run", "recompute", "--from=2025-02-10", "--to=2025-02-11", "--users=3,4", "--shard=1/2"))
			.isZero();
		long range = lastExecution();
		assertThat(app("run", "recompute", "--days-back=1", "--scheduled-time=2025-02-16T05:30:00Z", "--users=5"))
			.isZero();
		long firing = lastExecution();
		int before = output.getOut().length();
		assertThat(app("status")).isZero();
		List<String> out = output.getOut().substring(before).lines().toList();
		int rangeLine = out.indexOf(
				out.stream().filter((l) -> l.matches("recompute\\s+" + range + "\\s.*")).findFirst().orElseThrow());
		int firingLine = out.indexOf(
				out.stream().filter((l) -> l.matches("recompute\\s+" + firing + "\\s.*")).findFirst().orElseThrow());
		assertThat(out.get(rangeLine + 1)).as(out.get(rangeLine))
			.isEqualTo("            from=2025-02-10 to=2025-02-11 users=3,4 shard=1/2");
		assertThat(out.get(firingLine + 1)).as(out.get(firingLine))
			.matches(
					"            from=\\d{4}-\\d\\d-\\d\\d to=\\d{4}-\\d\\d-\\d\\d as-of=2025-02-16T05:30:00Z users=5");
		assertThat(out).noneMatch((l) -> l.contains("run.id"));
	}

	/**
	 * A reprocess runs the recompute job, and status showed its execution as a recompute:
	 * an operator could not tell a manual backfill from a nightly run. It shows as
	 * {@code reprocess}, with the same parameters line as the recompute it runs.
	 */
	@Test
	void statusShowsAReprocessAsSuchBesideARecomputeOfTheSameRange(CapturedOutput output) {
		String[] options = { "--from=2025-02-03", "--to=2025-02-04", "--users=8,9" };
		assertThat(app("reprocess", options[0], options[1], options[2])).isZero();
		long reprocess = lastExecution();
		assertThat(app("run", "recompute", options[0], options[1], options[2])).isZero();
		long recompute = lastExecution();
		assertThat(recompute).isGreaterThan(reprocess);
		int before = output.getOut().length();
		assertThat(app("status")).isZero();
		List<String> out = output.getOut().substring(before).lines().toList();
		int reprocessLine = out.indexOf(out.stream()
			.filter((l) -> l.matches("\\S+\\s+" + reprocess + "\\s.*"))
			.findFirst()
			.orElseThrow(() -> new AssertionError(String.join("\n", out))));
		assertThat(out.get(reprocessLine)).startsWith("reprocess ");
		assertThat(out.get(reprocessLine + 1)).isEqualTo("            from=2025-02-03 to=2025-02-04 users=8,9");
		assertThat(out).anyMatch((l) -> l.matches("recompute\\s+" + recompute + "\\s.*"));
	}

	/**
	 * The reprocess's mark is not identifying, but is part of what makes a run the same
	 * command: a failed reprocess is resumed by the same reprocess, its restart still
	 * shown as a reprocess, and not by a {@code run recompute} of the same options.
	 */
	@Test
	void aFailedReprocessIsResumedByTheSameReprocessAndNotByARecompute(CapturedOutput output) {
		String[] options = { "--from=2025-02-05", "--to=2025-02-06", "--users=10,11" };
		jdbc.execute("""
				CREATE FUNCTION fail_for_user() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF NEW.user_id = 11 THEN RAISE EXCEPTION 'injected failure for user %', NEW.user_id; END IF;
					RETURN NEW;
				END $$""");
		jdbc.execute(
				"CREATE TRIGGER fail_for_user BEFORE INSERT ON health_score FOR EACH ROW EXECUTE FUNCTION fail_for_user()");
		try {
			assertThat(app("reprocess", options[0], options[1], options[2])).isEqualTo(1);
		}
		finally {
			jdbc.execute("DROP TRIGGER fail_for_user ON health_score");
			jdbc.execute("DROP FUNCTION fail_for_user()");
		}
		long failed = lastExecution();
		assertThat(app("run", "recompute", options[0], options[1], options[2])).isZero();
		long recompute = lastExecution();
		assertThat(instance(recompute)).as("a new run, not the reprocess resumed").isNotEqualTo(instance(failed));
		assertThat(app("reprocess", options[0], options[1], options[2])).isZero();
		long resumed = lastExecution();
		assertThat(instance(resumed)).as("the reprocess resumed").isEqualTo(instance(failed));
		int before = output.getOut().length();
		assertThat(app("status")).isZero();
		List<String> out = output.getOut().substring(before).lines().toList();
		assertThat(out).anyMatch((l) -> l.matches("reprocess\\s+" + resumed + "\\s+.*COMPLETED.*"))
			.anyMatch((l) -> l.matches("reprocess\\s+" + failed + "\\s+.*FAILED.*"))
			.anyMatch((l) -> l.matches("recompute\\s+" + recompute + "\\s+.*COMPLETED.*"));
	}

	/**
	 * Spring Batch stores an execution's start and end as the local time of the JVM's
	 * default zone; {@code status} prints them in UTC, as it prints the ledger's,
	 * whatever that zone is (here UTC−3:30).
	 */
	@Test
	void statusPrintsAnExecutionsTimesInUtcWhateverTheJvmsZone(CapturedOutput output) {
		TimeZone zone = TimeZone.getDefault();
		TimeZone.setDefault(TimeZone.getTimeZone("America/St_Johns"));
		try {
			Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
			assertThat(app("run", "recompute", "--from=" + TO, "--to=" + TO, "--users=1")).isZero();
			Instant after = Instant.now();
			long id = lastExecution();
			int from = output.getOut().length();
			assertThat(app("status")).isZero();
			List<String> out = output.getOut().substring(from).lines().toList();
			assertThat(out).anyMatch((l) -> l.matches("job\\s+exec\\s+start \\(UTC\\)\\s+end \\(UTC\\)\\s.*"));
			String line = out.stream()
				.filter((l) -> l.matches("recompute\\s+" + id + "\\s.*"))
				.findFirst()
				.orElseThrow();
			String[] columns = line.trim().split("\\s+");
			DateTimeFormatter format = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
			Instant start = LocalDateTime.parse(columns[2] + " " + columns[3], format).toInstant(ZoneOffset.UTC);
			Instant end = LocalDateTime.parse(columns[4] + " " + columns[5], format).toInstant(ZoneOffset.UTC);
			assertThat(start).as(line).isBetween(before, after);
			assertThat(end).as(line).isBetween(start, after);
		}
		finally {
			TimeZone.setDefault(zone);
		}
	}

	/**
	 * Quartz is started only by {@code scheduler}, but its factory is created, and logged
	 * its start-up (16 lines, a multi-line block among them) at INFO, in every command.
	 */
	@Test
	void aCommandOtherThanTheSchedulerLogsNothingOfQuartzAtInfo(CapturedOutput output) {
		int before = output.getOut().length();
		assertThat(app("status")).isZero();
		String logged = output.getOut().substring(before);
		assertThat(logged).contains("archive ledger:");
		assertThat(logged.lines().filter((line) -> line.contains("uartz") || line.contains("Scheduler"))).isEmpty();
	}

	/**
	 * A month the archive failed on showed "0 rows 0 bytes", counts it does not know yet,
	 * and not the failure its ledger row keeps: the operator could not tell why the run
	 * exited 1.
	 */
	@Test
	void statusShowsAMonthsUnknownCountsAsSuchAndItsLastError(CapturedOutput output) {
		jdbc.update("""
				INSERT INTO archive_ledger (table_name, month, partition_name, state, last_error)
				VALUES ('health_reading', DATE '2020-01-01', 'health_reading_2020_01', 'EXPORTING', ?)""",
				"Cannot upload part 3\nof month 2020-01; caused by SdkClientException: Unable to execute HTTP request");
		try {
			int before = output.getOut().length();
			assertThat(app("status")).isZero();
			List<String> lines = output.getOut().substring(before).lines().toList();
			int month = lines.indexOf(lines.stream()
				.filter((line) -> line.contains("2020-01") && line.contains("EXPORTING"))
				.findFirst()
				.orElseThrow());
			assertThat(lines.get(month)).matches("\\s+2020-01\\s+health_reading\\s+EXPORTING\\s+- rows\\s+- bytes\\s*");
			assertThat(lines.get(month + 1))
				.matches("\\s+last error \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\):"
						+ " Cannot upload part 3 / of month 2020-01; caused by SdkClientException: Unable to execute HTTP"
						+ " request");
		}
		finally {
			jdbc.update("DELETE FROM archive_ledger WHERE month = DATE '2020-01-01'");
		}
	}

	/**
	 * The exit column was as wide as {@code COMPLETED}: the line of a run that ended
	 * {@code COMPLETED WITH WARNINGS} (here a partitions run that found rows of a dropped
	 * month in the default partition) pushed its counts right of their headings.
	 */
	@Test
	void statusKeepsTheColumnsOfARunThatEndedWithWarningsUnderTheirHeadings(CapturedOutput output) {
		// and one that ended COMPLETED beside it
		assertThat(app("run", "partitions")).isZero();
		jdbc.update("""
				INSERT INTO archive_ledger (table_name, month, partition_name, state)
				VALUES ('health_reading', DATE '2020-01-01', 'health_reading_2020_01', 'DROPPED')""");
		jdbc.execute("CREATE TABLE health_reading_default PARTITION OF health_reading DEFAULT");
		try {
			jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source)"
					+ " VALUES (1, 'steps', '2020-01-15 12:00:00+00', 1, 'late')");
			assertThat(app("run", "partitions")).isZero();
			long id = lastExecution();
			assertThat(jdbc.queryForObject("SELECT exit_code FROM batch_job_execution WHERE job_execution_id = ?",
					String.class, id))
				.isEqualTo("COMPLETED WITH WARNINGS");
			int before = output.getOut().length();
			assertThat(app("status")).isZero();
			List<String> lines = output.getOut().substring(before).lines().toList();
			String heading = lines.stream().filter((line) -> line.startsWith("job ")).findFirst().orElseThrow();
			String warned = lines.stream()
				.filter((line) -> line.matches("partitions\\s+" + id + "\\s.*"))
				.findFirst()
				.orElseThrow();
			assertThat(warned.indexOf("COMPLETED WITH WARNINGS")).as(warned).isEqualTo(heading.indexOf("exit"));
			// the counts are right-aligned under theirs, on every execution's line
			assertThat(lines.stream().filter((line) -> line.matches("[a-z]+\\s+\\d+\\s.*"))).hasSizeGreaterThan(1)
				.allSatisfy((line) -> assertThat(line).hasSameSizeAs(heading));
		}
		finally {
			jdbc.execute("DROP TABLE health_reading_default");
			jdbc.update("DELETE FROM archive_ledger WHERE month = DATE '2020-01-01'");
		}
	}

	/**
	 * An execution still marked STARTED whose process was killed (SIGKILL, a lost node)
	 * showed as running forever: status now says that no process holds its job's guard,
	 * and what resumes it; not while a process holds it.
	 */
	@Test
	void statusFlagsAnExecutionMarkedRunningThatNoProcessRuns(CapturedOutput output) throws Exception {
		assertThat(app("run", "partitions")).isZero();
		long id = lastExecution();
		// what a killed process leaves behind
		jdbc.update("UPDATE batch_job_execution SET status = 'STARTED', end_time = NULL WHERE job_execution_id = ?",
				id);
		try {
			String note = ("no process holds the guard of partitions (all): its process died; 'restart %d' resumes it,"
					+ " 'stop %d' marks it FAILED")
				.formatted(id, id);
			try (JobRunGuard.Held running = new JobRunGuard(dataSource).tryAcquire("partitions", "all")) {
				int before = output.getOut().length();
				assertThat(app("status")).isZero();
				assertThat(output.getOut().substring(before)).containsPattern("partitions\\s+" + id + "\\s.*STARTED")
					.doesNotContain(note);
			}
			int before = output.getOut().length();
			assertThat(app("status")).isZero();
			List<String> lines = output.getOut().substring(before).lines().toList();
			int row = lines.indexOf(lines.stream()
				.filter((line) -> line.matches("partitions\\s+" + id + "\\s.*"))
				.findFirst()
				.orElseThrow());
			assertThat(lines.get(row + 1).strip()).isEqualTo(note);
		}
		finally {
			jdbc.update(
					"UPDATE batch_job_execution SET status = 'COMPLETED', end_time = now() WHERE job_execution_id = ?",
					id);
		}
	}

	/**
	 * The dry run scored a range whose baseline lies in an archived month without those
	 * readings, and printed changes that the real reprocess, refused, would never make.
	 */
	@Test
	void reprocessDryRunRefusesARangeThatReadsAnArchivedMonthAsTheRunDoes(CapturedOutput output) {
		assertThat(app("reprocess", "--from=" + FROM, "--to=" + TO, "--users=1,2", "--dry-run")).isZero();
		assertThat(output.getOut()).contains("reprocess --dry-run %s..%s: nothing was written".formatted(FROM, TO));
		jdbc.update("""
				INSERT INTO archive_ledger (table_name, month, partition_name, state)
				VALUES ('health_reading', DATE '2025-01-01', 'health_reading_2025_01', 'DETACHED')""");
		try {
			int before = output.getErr().length();
			assertThat(app("reprocess", "--from=" + FROM, "--to=" + TO, "--users=1,2", "--dry-run")).isEqualTo(2);
			assertThat(app("reprocess", "--from=" + FROM, "--to=" + TO, "--users=1,2")).isEqualTo(2);
			List<String> refusals = output.getErr()
				.substring(before)
				.lines()
				.filter((line) -> line.contains("2025-01"))
				.toList();
			assertThat(refusals).hasSize(2).allSatisfy((line) -> assertThat(line).isEqualTo(refusals.get(0)));
		}
		finally {
			jdbc.update("DELETE FROM archive_ledger WHERE month = DATE '2025-01-01'");
		}
	}

	/**
	 * The ECS task's database settings, given as properties (they are known settings):
	 * they were ignored, and the command ran against a new embedded database instead.
	 */
	@Test
	void theTaskDatabaseSettingsGivenAsPropertiesAreUsed(CapturedOutput output) {
		jdbc.update("INSERT INTO archive_ledger (table_name, month, partition_name, state)"
				+ " VALUES ('health_score', DATE '2019-01-01', 'health_score_2019_01', 'DROPPED')");
		try {
			int before = output.getOut().length();
			assertThat(HealthScoreApplication.run("status", "--healthscore.datasource.primary-url=" + url(),
					"--healthscore.datasource.username=postgres"))
				.isZero();
			assertThat(output.getOut().substring(before)).doesNotContain("embedded PostgreSQL")
				.containsPattern("2019-01\\s+health_score\\s+DROPPED");
		}
		finally {
			jdbc.update("DELETE FROM archive_ledger WHERE month = DATE '2019-01-01'");
		}
	}

	@Test
	void restartIsRefusedWithExitCodeThreeWhileAnotherRunOfTheJobHoldsItsGuard(CapturedOutput output) throws Exception {
		jdbc.execute("""
				CREATE FUNCTION fail_scores() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'injected failure'; END $$""");
		jdbc.execute("CREATE TRIGGER fail_scores AFTER INSERT ON health_score "
				+ "FOR EACH STATEMENT EXECUTE FUNCTION fail_scores()");
		try {
			assertThat(app("run", "recompute", "--from=" + FROM, "--to=" + TO, "--users=8,9")).isEqualTo(1);
		}
		finally {
			jdbc.execute("DROP TRIGGER fail_scores ON health_score");
		}
		long failed = lastExecution();
		assertThat(status(failed)).isEqualTo("FAILED");
		// the last line says why, not only the stack traces above it, and how to go on
		assertThat(output.getOut()).containsPattern(("ERROR .* : recompute execution %d ended FAILED; exit code 1:"
				+ " PSQLException: ERROR: injected failure / Where: PL/pgSQL function fail_scores\\(\\) line \\d at"
				+ " RAISE\\. To go on, rerun the same command \\(or restart %d\\) to resume it where it stopped")
			.formatted(failed, failed));
		try (JobRunGuard.Held other = new JobRunGuard(dataSource).tryAcquire("recompute", "all")) {
			assertThat(other).isNotNull();
			int before = output.getOut().length();
			assertThat(app("restart", Long.toString(failed))).isEqualTo(3);
			// the failed execution is not running: another run is
			assertThat(output.getOut().substring(before))
				.contains("Cannot run recompute (all): another run of it, or a reconcile (which never runs beside it),"
						+ " is in progress; nothing was started")
				.doesNotContain("Cannot restart");
			assertThat(lastExecution()).as("nothing started").isEqualTo(failed);
			// a reprocess refused so prints no comparison of a run that did not happen
			// ("(ALREADY_RUNNING): inserted 0, deleted 0, changed 0, unchanged 28"
			// before)
			assertThat(app("reprocess", "--from=" + FROM, "--to=" + TO, "--users=1,2")).isEqualTo(3);
			assertThat(lastExecution()).as("nothing started").isEqualTo(failed);
			assertThat(output.getOut())
				.contains("reprocess %s..%s: not run (exit code 3), nothing was changed".formatted(FROM, TO))
				.doesNotContain("(ALREADY_RUNNING)");
		}
		assertThat(app("restart", Long.toString(failed))).isZero();
		assertThat(status(lastExecution())).isEqualTo("COMPLETED");
		long resumed = lastExecution();
		assertThat(output.getOut())
			.contains("recompute execution %d (restart of %d) ended COMPLETED; exit code 0".formatted(resumed, failed));
		// the failed execution is still FAILED, but its run completed as the restart:
		// nothing is left to resume (Spring Batch's JobInstanceAlreadyCompleteException,
		// exit code 1 and a stack trace, before)
		assertThat(status(failed)).isEqualTo("FAILED");
		assertThat(app("restart", Long.toString(failed))).isEqualTo(2);
		assertThat(output.getErr()).contains(("Cannot restart execution %d: its run went on as execution %d, which"
				+ " is COMPLETED; nothing is left to resume (see 'status'); nothing was started")
			.formatted(failed, resumed));
		assertThat(lastExecution()).as("nothing started").isEqualTo(resumed);
		// an execution that ended UNKNOWN (Spring Batch could not record its state) is
		// not restarted: the message says what the README does, that the same command
		// runs the job again from the start
		jdbc.update("UPDATE batch_job_execution SET status = 'UNKNOWN' WHERE job_execution_id = ?", resumed);
		try {
			assertThat(app("restart", Long.toString(resumed))).isEqualTo(2);
			assertThat(output.getErr()).contains(("Cannot restart execution %d: it is UNKNOWN (Spring Batch could not"
					+ " record how it ended), which does not restart; run the same command again: it runs the job"
					+ " from the start")
				.formatted(resumed));
			assertThat(app("restart", Long.toString(failed))).isEqualTo(2);
			assertThat(output.getErr()).contains(("Cannot restart execution %d: its run went on as execution %d, which"
					+ " is UNKNOWN (Spring Batch could not record how it ended), which does not restart; run the same"
					+ " command again: it runs the job from the start")
				.formatted(failed, resumed));
			assertThat(lastExecution()).as("nothing started").isEqualTo(resumed);
		}
		finally {
			jdbc.update("UPDATE batch_job_execution SET status = 'COMPLETED' WHERE job_execution_id = ?", resumed);
		}
	}

	@Test
	void restartAndStopOfAnExecutionThatDoesNotExistAreUsageErrorsThatPointToStatus(CapturedOutput output) {
		long missing = jdbc.queryForObject("SELECT coalesce(max(job_execution_id), 0) + 1000 FROM batch_job_execution",
				Long.class);
		assertThat(app("restart", Long.toString(missing))).isEqualTo(2);
		assertThat(output.getErr()).contains("No job execution %d: see 'status' for the executions".formatted(missing));
		assertThat(app("stop", Long.toString(missing))).isEqualTo(2);
		assertThat(output.getErr()).containsSubsequence("No job execution %d".formatted(missing),
				"No job execution %d".formatted(missing));
		// the command line was right: 35 lines of usage text after the message would
		// bury it
		assertThat(output.getErr()).doesNotContain("Usage:");
	}

	@Test
	void generateIntoADatabaseThatHoldsUsersIsAUsageErrorThatChangesNothing(CapturedOutput output) {
		long readings = jdbc.queryForObject("SELECT count(*) FROM health_reading", Long.class);
		assertThat(app("generate", "--users=5", "--days=2", "--end=" + TO, "--seed=9")).isEqualTo(2);
		assertThat(output.getErr()).contains("Cannot generate into a database that holds users already (40 in"
				+ " app_user): the generated ids start at 1; generate into an empty database");
		assertThat(jdbc.queryForObject("SELECT count(*) FROM health_reading", Long.class)).isEqualTo(readings);
	}

	@Test
	void aRetriedFiringOfTheNightlyChainResumesItsFailedReconcileWithoutRecomputingAgain(CapturedOutput output) {
		String firing = "--scheduled-time=2025-02-16T02:00:00Z";
		long recomputes = executions("recompute");
		long reconciles = executions("reconcile");
		jdbc.execute("""
				CREATE FUNCTION fail_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				  IF EXISTS (SELECT 1 FROM batch_job_execution e
				             JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
				             WHERE e.job_execution_id = NEW.job_execution_id AND i.job_name = 'reconcile') THEN
				    RAISE EXCEPTION 'injected failure';
				  END IF;
				  RETURN NEW;
				END $$""");
		jdbc.execute("CREATE TRIGGER fail_checkpoint BEFORE INSERT ON reconcile_checkpoint "
				+ "FOR EACH ROW EXECUTE FUNCTION fail_checkpoint()");
		try {
			assertThat(app("run", "nightly", firing)).isEqualTo(1);
		}
		finally {
			jdbc.execute("DROP TRIGGER fail_checkpoint ON reconcile_checkpoint");
			jdbc.execute("DROP FUNCTION fail_checkpoint()");
		}
		assertThat(executions("recompute")).isEqualTo(recomputes + 1);
		long failed = lastExecution();
		assertThat(status(failed)).isEqualTo("FAILED");
		// the retry (EventBridge's, or the same command by hand)
		int before = output.getOut().length();
		assertThat(app("run", "nightly", firing)).isZero();
		assertThat(executions("recompute")).as("the firing's recompute completed: not run again")
			.isEqualTo(recomputes + 1);
		// the completed execution's end is told in UTC, as the firing is
		Instant ended = jdbc
			.queryForObject("SELECT e.end_time FROM batch_job_execution e JOIN batch_job_instance i"
					+ " ON i.job_instance_id = e.job_instance_id WHERE i.job_name = 'recompute'"
					+ " ORDER BY e.job_execution_id DESC LIMIT 1", LocalDateTime.class)
			.atZone(ZoneId.systemDefault())
			.toInstant();
		assertThat(output.getOut().substring(before))
			.contains("already completed this firing (2025-02-16T02:00:00Z) and ended at " + ended
					+ ": nothing was run again, no execution started")
			// the nightly reconcile's range is lowered: said once, as its run is made
			.containsOnlyOnce("Reconciling 2025-01-17..2025-02-14 instead of ..2025-02-15");
		assertThat(executions("reconcile")).isEqualTo(reconciles + 2);
		assertThat(status(lastExecution())).isEqualTo("COMPLETED");
		assertThat(jdbc.queryForObject("SELECT job_instance_id FROM batch_job_execution WHERE job_execution_id = ?",
				Long.class, lastExecution()))
			.as("the failed reconcile restarted, not a new run")
			.isEqualTo(jdbc.queryForObject("SELECT job_instance_id FROM batch_job_execution WHERE job_execution_id = ?",
					Long.class, failed));
		// delivered twice: nothing of the firing runs again but the reconcile (its days'
		// inputs may have changed since), and another firing recomputes
		assertThat(app("run", "nightly", firing)).isZero();
		assertThat(executions("recompute")).isEqualTo(recomputes + 1);
		assertThat(executions("reconcile")).isEqualTo(reconciles + 3);
		assertThat(app("run", "nightly", "--scheduled-time=2025-02-16T03:00:00Z")).isZero();
		assertThat(executions("recompute")).isEqualTo(recomputes + 2);
	}

	/**
	 * A delivery that ran nothing ended with the earlier run's summary line
	 * ({@code partitions execution 7 ended COMPLETED; exit code 0}), as if it had run it:
	 * it now says that it ran nothing, and which execution completed the firing, when.
	 */
	@Test
	void aFiringOfOneJobDeliveredAgainAfterItsRunCompletedDoesNotRunItAgain(CapturedOutput output) {
		// as EventBridge runs the archive and partitions schedules: 'run <job>', no chain
		long partitions = executions("partitions");
		long recomputes = executions("recompute");
		for (String[] firing : List.of(
				new String[] { "run", "partitions", "--months-ahead=1", "--scheduled-time=2025-02-16T01:30:00Z" },
				new String[] { "run", "recompute", "--days-back=2", "--scheduled-time=2025-02-16T04:00:00Z" })) {
			assertThat(app(firing)).isZero();
			long completed = lastExecution();
			Instant ended = jdbc
				.queryForObject("SELECT end_time FROM batch_job_execution WHERE job_execution_id = ?",
						LocalDateTime.class, completed)
				.atZone(ZoneId.systemDefault())
				.toInstant();
			int before = output.getOut().length();
			assertThat(app(firing)).as("delivered again").isZero();
			String time = firing[3].substring("--scheduled-time=".length());
			assertThat(output.getOut().substring(before))
				.contains(("%s execution %d already completed this firing (%s) and ended at %s: nothing was run again,"
						+ " no execution started; exit code 0")
					.formatted(firing[1], completed, time, ended))
				.doesNotContain(" ended COMPLETED");
		}
		assertThat(executions("partitions")).as("one run of the firing").isEqualTo(partitions + 1);
		assertThat(executions("recompute")).as("one run of the firing").isEqualTo(recomputes + 1);
		// another firing runs
		assertThat(app("run", "partitions", "--months-ahead=1", "--scheduled-time=2025-02-17T01:30:00Z")).isZero();
		assertThat(executions("partitions")).isEqualTo(partitions + 2);
	}

	@Test
	void aReconcileIsRefusedWhileARecomputeRunsEvenOverOneShard(CapturedOutput output) throws Exception {
		long reconciles = executions("reconcile");
		JobRunGuard guard = new JobRunGuard(dataSource);
		for (String scope : List.of("0/2", JobRunGuard.ALL)) {
			try (JobRunGuard.Held recompute = guard.tryAcquire("recompute", scope)) {
				assertThat(recompute).as(scope).isNotNull();
				int before = output.getOut().length();
				assertThat(app("run", "reconcile", "--from=" + FROM, "--to=" + TO)).as(scope).isEqualTo(3);
				assertThat(output.getOut().substring(before)).as(scope)
					.contains("Cannot run reconcile: a recompute is in progress, and they never run side by side");
			}
		}
		assertThat(executions("reconcile")).as("nothing started").isEqualTo(reconciles);
		// what a running reconcile holds keeps every recompute out, a shard's too
		try (JobRunGuard.Held reconcile = guard.tryAcquire("recompute", JobRunGuard.ALL)) {
			int before = output.getOut().length();
			assertThat(app("run", "recompute", "--from=" + FROM, "--to=" + TO, "--shard=1/2")).isEqualTo(3);
			assertThat(output.getOut().substring(before))
				.contains("another run of it, or a reconcile (which never runs beside it), is in progress");
		}
	}

	private static long executions(String job) {
		return jdbc.queryForObject(
				"SELECT count(*) FROM batch_job_execution e"
						+ " JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id WHERE i.job_name = ?",
				Long.class, job);
	}

	private static long lastExecution() {
		return jdbc.queryForObject("SELECT max(job_execution_id) FROM batch_job_execution", Long.class);
	}

	private static long instance(long execution) {
		return jdbc.queryForObject("SELECT job_instance_id FROM batch_job_execution WHERE job_execution_id = ?",
				Long.class, execution);
	}

	private static String status(long execution) {
		return jdbc.queryForObject("SELECT status FROM batch_job_execution WHERE job_execution_id = ?", String.class,
				execution);
	}

	private static int app(String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.addAll(List.of("--spring.datasource.url=" + url(), "--spring.datasource.username=postgres"));
		return HealthScoreApplication.run(all.toArray(String[]::new));
	}

	private static String url() {
		return postgres.getJdbcUrl("postgres", "postgres");
	}

}
