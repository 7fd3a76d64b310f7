package dev.healthscore.jobs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.AppProcess;
import dev.healthscore.jobs.HealthScoreApplication;
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

/**
 * EventBridge Scheduler delivers a firing at least once: the same firing (the same
 * command line and {@code --scheduled-time}) can start two tasks at about the same
 * moment. The second, started while the first runs, has nothing to do: it exits 0 (any
 * other code trips the failed-run alarm) and says which execution runs the firing. Any
 * other run refused because a run of the job is in progress still exits 3. The first run
 * is a process of its own, held at the insert of one of its steps.
 */
@ExtendWith(OutputCaptureExtension.class)
class DuplicateFiringIntegrationTests {

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
		assertThat(app("generate", "--users=20", "--days=28", "--end=" + LAST)).isZero();
		// the gate's function; the tests put it on the insert of one step
		WriteGate.install(jdbc, "health_score");
		WriteGate.remove(jdbc, "health_score");
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		postgres.close();
	}

	@Test
	void aDuplicateOfANightlyFiringWhileItsRecomputeRunsExitsZeroAndStartsNothing(@TempDir Path dir,
			CapturedOutput output) throws Exception {
		String firing = "--scheduled-time=" + LAST.plusDays(2) + "T02:00:00Z";
		try (Held first = Held.at("recomputeCheckpoint", dir, "run", "nightly", firing)) {
			long running = runningExecution("recompute");
			long executions = executions();
			assertThat(app("run", "nightly", firing)).isZero();
			assertThat(executions()).as("job executions").isEqualTo(executions);
			assertThat(output).contains("Firing " + LAST.plusDays(2) + "T02:00:00Z of 'run nightly' is already being"
					+ " run by execution " + running + " (recompute");
			assertThat(output).contains("nothing was started");
			first.completes();
		}
	}

	@Test
	void aDuplicateOfANightlyFiringWhileItsReconcileRunsExitsZeroAndStartsNothing(@TempDir Path dir,
			CapturedOutput output) throws Exception {
		String firing = "--scheduled-time=" + LAST.plusDays(1) + "T02:00:00Z";
		try (Held first = Held.at("reconcilePartitions", dir, "run", "nightly", firing)) {
			long running = runningExecution("reconcile");
			long executions = executions();
			assertThat(app("run", "nightly", firing)).isZero();
			assertThat(executions()).as("job executions").isEqualTo(executions);
			assertThat(output).contains("Firing " + LAST.plusDays(1) + "T02:00:00Z of 'run nightly' is already being"
					+ " run by execution " + running + " (reconcile");
			first.completes();
		}
	}

	@Test
	void aDuplicateOfAPartitionsFiringWhileItRunsExitsZeroButAManualRunOfItExitsThree(@TempDir Path dir,
			CapturedOutput output) throws Exception {
		String firing = "--scheduled-time=" + LAST.plusDays(2) + "T01:30:00Z";
		try (Held first = Held.at("createPartitions", dir, "run", "partitions", "--months-ahead=3", firing)) {
			long running = runningExecution("partitions");
			assertThat(app("run", "partitions", "--months-ahead=3", firing)).isZero();
			assertThat(output).contains("is already being run by execution " + running + " (partitions");
			// not the firing: nothing tells that it should not run
			assertThat(app("run", "partitions", "--months-ahead=3")).isEqualTo(3);
			assertThat(app("run", "partitions", "--months-ahead=2", firing)).isEqualTo(3);
			first.completes();
		}
	}

	@Test
	void anotherFiringOrAnotherCommandBesideARunningFiringStillExitsThree(@TempDir Path dir) throws Exception {
		String firing = LAST.plusDays(3) + "T02:00:00Z";
		try (Held first = Held.at("recomputeCheckpoint", dir, "run", "nightly", "--scheduled-time=" + firing)) {
			long executions = executions();
			assertThat(app("run", "nightly", "--scheduled-time=" + LAST.plusDays(4) + "T02:00:00Z")).isEqualTo(3);
			// the same time, but not the same command line: not a delivery of this firing
			assertThat(app("run", "recompute", "--days-back=2", "--scheduled-time=" + firing)).isEqualTo(3);
			// a job that never runs beside a recompute
			assertThat(app("run", "reconcile", "--days-back=30", "--scheduled-time=" + firing)).isEqualTo(3);
			assertThat(app("restart", String.valueOf(runningExecution("recompute")))).isEqualTo(3);
			assertThat(executions()).as("job executions").isEqualTo(executions);
			first.completes();
		}
	}

	@Test
	void aFiringWhileAManualRunOfItsJobHoldsTheLockExitsThree(@TempDir Path dir) throws Exception {
		String firing = "--scheduled-time=" + LAST.plusDays(3) + "T01:30:00Z";
		try (Held first = Held.at("createPartitions", dir, "run", "partitions", "--months-ahead=3")) {
			assertThat(app("run", "partitions", "--months-ahead=3", firing)).isEqualTo(3);
			first.completes();
		}
		try (Held first = Held.at("recomputeCheckpoint", dir, "run", "recompute", "--from=" + LAST.minusDays(3),
				"--to=" + LAST)) {
			assertThat(app("run", "nightly", "--scheduled-time=" + LAST.plusDays(5) + "T02:00:00Z")).isEqualTo(3);
			first.completes();
		}
	}

	private static long runningExecution(String job) {
		return jdbc.queryForObject("""
				SELECT e.job_execution_id FROM batch_job_execution e
				JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
				WHERE i.job_name = ? AND e.status IN ('STARTING', 'STARTED')
				ORDER BY e.job_execution_id DESC LIMIT 1""", Long.class, job);
	}

	private static long executions() {
		return jdbc.queryForObject("SELECT count(*) FROM batch_job_execution", Long.class);
	}

	private static int app(String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.addAll(List.of("--spring.datasource.url=" + url(), "--spring.datasource.username=postgres"));
		return HealthScoreApplication.run(all.toArray(String[]::new));
	}

	private static String url() {
		return postgres.getJdbcUrl("postgres", "postgres");
	}

	/**
	 * A run in a process of its own, held at the insert of a step (a row trigger on
	 * {@code batch_step_execution} that waits at a shut {@link WriteGate}) until
	 * {@link #completes()} opens the gate; closing it kills the process if still alive.
	 */
	private static final class Held implements AutoCloseable {

		private final String trigger;

		private final WriteGate gate;

		private final Process process;

		private final Path log;

		private Held(String trigger, WriteGate gate, Process process, Path log) {
			this.trigger = trigger;
			this.gate = gate;
			this.process = process;
			this.log = log;
		}

		static Held at(String step, Path dir, String... args) throws Exception {
			String trigger = "gate_" + step;
			jdbc.execute("""
					CREATE TRIGGER %s AFTER INSERT ON batch_step_execution FOR EACH ROW
					WHEN (NEW.step_name = '%s') EXECUTE FUNCTION write_gate()""".formatted(trigger, step));
			Path log = Files.createTempFile(dir, "first", ".log");
			List<String> all = new ArrayList<>(List.of(args));
			all.addAll(List.of("--spring.datasource.url=" + url(), "--spring.datasource.username=postgres"));
			Held held = new Held(trigger, WriteGate.shut(dataSource), AppProcess.start(log, List.of(), all), log);
			try {
				held.gate.awaitWriterHeld();
			}
			catch (RuntimeException | Error ex) {
				String said = held.readLog();
				held.close();
				throw new AssertionError("The run never reached step " + step + "; it said:\n" + said, ex);
			}
			return held;
		}

		/** Lets the run go on, and checks that it completes. */
		void completes() throws Exception {
			this.gate.close();
			assertThat(this.process.waitFor(120, TimeUnit.SECONDS)).isTrue();
			assertThat(this.process.exitValue()).as(() -> readLog()).isZero();
		}

		private String readLog() {
			try {
				return Files.readString(this.log);
			}
			catch (IOException ex) {
				return "(its log cannot be read: " + ex + ")";
			}
		}

		@Override
		public void close() throws Exception {
			try {
				this.gate.close();
			}
			catch (SQLException ex) {
				// opened by completes()
			}
			if (this.process.isAlive()) {
				this.process.destroyForcibly();
				this.process.waitFor(60, TimeUnit.SECONDS);
			}
			jdbc.execute("DROP TRIGGER " + this.trigger + " ON batch_step_execution");
		}

	}

}
