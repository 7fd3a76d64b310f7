package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.io.archive.ContentChecksum;
import dev.healthscore.jobs.AppProcess;
import dev.healthscore.jobs.WriteGate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.assertLedgerHolds;
import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.attached;
import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.names;
import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.states;
import static dev.healthscore.jobs.archive.ArchiveTestServers.BUCKET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * EventBridge Scheduler delivers the monthly archive's firing ({@code run archive
 * --hot-months=13 --scheduled-time=…}, the schedule's own command line, no chain) at
 * least once: a second delivery that starts while the first task archives has nothing to
 * do. It exits 0, starts no execution and says which execution runs the firing; the first
 * run then archives every month once, with no object or ledger entry of the second. The
 * first run is a process of its own, held at its first ledger insert (the first month's
 * export, holding that month's lock).
 */
@ExtendWith(OutputCaptureExtension.class)
class ArchiveDuplicateFiringIntegrationTests {

	/**
	 * A firing of the archive-monthly schedule before {@link ArchiveTestServers#NOW} and
	 * before the real clock, which the first run's process reads.
	 */
	private static final String TIME = "2026-03-02T05:00:00Z";

	/** The schedule's command line, without the settings of the test's servers. */
	private static final List<String> FIRING = List.of("run", "archive", "--hot-months=13", "--scheduled-time=" + TIME);

	private static ArchiveTestServers servers;

	@BeforeAll
	static void start() throws Exception {
		servers = ArchiveTestServers.start(4);
	}

	@AfterAll
	static void stop() throws Exception {
		servers.close();
	}

	@Test
	void aDuplicateOfAnArchiveFiringWhileItRunsExitsZeroStartsNothingAndTheFirstArchivesOnce(@TempDir Path dir,
			CapturedOutput output) throws Exception {
		String database = "duplicate";
		JdbcTemplate jdbc = servers.database(database);
		Map<String, ContentChecksum> source = ArchiveTestServers.checksums(jdbc);
		WriteGate.install(jdbc, "archive_ledger");
		Path log = dir.resolve("first.log");
		Process first = null;
		try (HikariDataSource primary = servers.dataSource(database)) {
			try (WriteGate gate = WriteGate.shut(primary)) {
				first = start(log, database);
				awaitHeld(gate, first, log);
				long running = runningArchive(jdbc);
				Set<String> objects = servers.objects(database);
				assertThat(app(database)).isZero();
				assertThat(output)
					.contains("Firing " + TIME + " of 'run archive --hot-months=13' is already being run"
							+ " by execution " + running + " (archive, started ")
					.contains("nothing was started");
				assertThat(executions(jdbc)).as("archive executions").isOne();
				assertThat(servers.objects(database)).as("objects").isEqualTo(objects);
				// not the firing: nothing tells that it should not run
				assertThat(servers.app(database, ArchiveTestServers.NOW, null, "run", "archive", "--hot-months=13"))
					.isEqualTo(3);
				assertThat(executions(jdbc)).as("archive executions").isOne();
			}
			assertThat(first.waitFor(120, TimeUnit.SECONDS)).isTrue();
			assertThat(first.exitValue()).as(() -> read(log)).isZero();
		}
		finally {
			if (first != null && first.isAlive()) {
				first.destroyForcibly();
				first.waitFor(60, TimeUnit.SECONDS);
			}
		}
		WriteGate.remove(jdbc, "archive_ledger");
		// the schedule's run keeps each month detached for the grace period
		assertThat(states(jdbc)).containsOnly("DETACHED").hasSize(names().size());
		assertThat(attached(jdbc)).doesNotContainAnyElementsOf(names());
		assertLedgerHolds(jdbc, source);
		assertThat(servers.objects(database)).isEqualTo(servers.expectedObjects(database));
		assertThat(servers.noUnfinishedUploads()).isTrue();
		// delivered once more, after the run completed: nothing runs again
		Set<String> objects = servers.objects(database);
		assertThat(app(database)).isZero();
		assertThat(output)
			.contains("archive execution " + lastArchive(jdbc) + " already completed this firing (" + TIME + ")");
		assertThat(executions(jdbc)).as("archive executions").isOne();
		assertThat(states(jdbc)).containsOnly("DETACHED").hasSize(names().size());
		assertThat(servers.objects(database)).isEqualTo(objects);
	}

	/** Runs the firing in this process (the test's fixed clock), to its end. */
	private static int app(String database) {
		return servers.app(database, ArchiveTestServers.NOW, null, FIRING.toArray(String[]::new));
	}

	/** Waits for the first run to be held at the gate, or says what it said instead. */
	private static void awaitHeld(WriteGate gate, Process process, Path log) {
		try {
			gate.awaitWriterHeld();
		}
		catch (RuntimeException | Error ex) {
			process.destroyForcibly();
			throw new AssertionError("The first run never reached its ledger insert; it said:\n" + read(log), ex);
		}
	}

	/** Starts the firing in a process of its own, on the real clock. */
	private static Process start(Path log, String database) throws IOException {
		List<String> jvmOptions = List.of("-Daws.accessKeyId=" + servers.s3Server().accessKey(),
				"-Daws.secretAccessKey=" + servers.s3Server().secretKey());
		List<String> args = new ArrayList<>(FIRING);
		args.addAll(
				List.of("--spring.datasource.url=" + servers.jdbcUrl(database), "--spring.datasource.username=postgres",
						"--healthscore.archive.endpoint=" + servers.s3Server().endpoint(),
						"--healthscore.archive.region=" + servers.s3Server().region().id(),
						"--healthscore.archive.bucket=" + BUCKET, "--healthscore.archive.prefix=" + database,
						"--healthscore.archive.target-file-size=256KB", "--healthscore.archive.row-group-size=128KB"));
		return AppProcess.start(log, jvmOptions, args);
	}

	private static long runningArchive(JdbcTemplate jdbc) {
		return jdbc.queryForObject("""
				SELECT e.job_execution_id FROM batch_job_execution e
				JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
				WHERE i.job_name = 'archive' AND e.status IN ('STARTING', 'STARTED')""", Long.class);
	}

	private static long lastArchive(JdbcTemplate jdbc) {
		return jdbc.queryForObject("""
				SELECT e.job_execution_id FROM batch_job_execution e
				JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
				WHERE i.job_name = 'archive' AND e.status = 'COMPLETED'""", Long.class);
	}

	private static long executions(JdbcTemplate jdbc) {
		return jdbc.queryForObject("""
				SELECT count(*) FROM batch_job_execution e
				JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
				WHERE i.job_name = 'archive'""", Long.class);
	}

	private static String read(Path log) {
		try {
			return Files.readString(log);
		}
		catch (IOException ex) {
			return "(its log " + log + " cannot be read: " + ex + ")";
		}
	}

}
