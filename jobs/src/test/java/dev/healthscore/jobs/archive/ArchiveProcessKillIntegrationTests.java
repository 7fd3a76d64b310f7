package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.io.archive.ContentChecksum;
import dev.healthscore.jobs.AppProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.assertLedgerHolds;
import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.attached;
import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.names;
import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.states;
import static dev.healthscore.jobs.archive.ArchiveTestServers.BUCKET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kills (SIGKILL) an archive process while it records a move of the ledger, with the
 * database and S3 outliving it, then runs the same command again in a new process: the
 * move the dead process was making either committed (its session went on without it) or
 * not (its session was ended), and the next run finishes every month without loss or
 * stray objects.
 */
class ArchiveProcessKillIntegrationTests {

	/** The advisory lock the ledger's trigger waits for while the test holds it. */
	private static final int HOLD = 4242;

	private static ArchiveTestServers servers;

	@BeforeAll
	static void start() throws Exception {
		servers = ArchiveTestServers.start(12);
	}

	@AfterAll
	static void stop() throws Exception {
		servers.close();
	}

	@ParameterizedTest
	@CsvSource({ "EXPORTING, EXPORTED, true", "EXPORTING, EXPORTED, false", "EXPORTED, VERIFIED, true",
			"EXPORTED, VERIFIED, false", "VERIFIED, DETACHED, true", "VERIFIED, DETACHED, false",
			"DETACHED, DROPPED, true", "DETACHED, DROPPED, false" })
	void aProcessKilledWhileTheLedgerMovesIsResumedByTheSameCommand(String from, String to, boolean endSession,
			@TempDir Path dir) throws Exception {
		String database = String.format(Locale.ROOT, "kill_%s_%s", to.toLowerCase(Locale.ROOT), endSession);
		JdbcTemplate jdbc = servers.database(database);
		Map<String, ContentChecksum> source = ArchiveTestServers.checksums(jdbc);
		holdLedgerMove(jdbc, String.format(Locale.ROOT, "OLD.state = '%s' AND NEW.state = '%s'", from, to));
		try (HikariDataSource holder = servers.dataSource(database); Connection hold = holder.getConnection()) {
			try (Statement statement = hold.createStatement()) {
				statement.execute("SELECT pg_advisory_lock(" + HOLD + ")");
			}
			killWhen(dir.resolve("killed.log"), database, () -> waiting(jdbc, database) > 0);
			if (endSession) {
				jdbc.queryForList("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?"
						+ " AND wait_event_type = 'Lock' AND wait_event = 'advisory'", database);
			}
			try (Statement statement = hold.createStatement()) {
				statement.execute("SELECT pg_advisory_unlock(" + HOLD + ")");
			}
		}
		jdbc.execute("DROP TRIGGER hold_ledger ON archive_ledger");
		// the dead process's sessions end once they notice, and with them the month locks
		await().atMost(Duration.ofSeconds(60)).until(() -> ledgerLocks(jdbc) == 0);
		List<String> before = states(jdbc);
		assertThat(runAgain(dir.resolve("again.log"), database))
			.as(() -> "ledger before: " + before + "\n" + log(dir.resolve("again.log")))
			.isZero();
		assertArchived(jdbc, database, source);
	}

	/**
	 * A killed process's session that is still busy with a statement (a long checksum, a
	 * detach waiting for older transactions) keeps the month's lock until it notices: the
	 * run started meanwhile does not get the month, and must not end as if it had
	 * archived it.
	 */
	@Test
	void aRunThatFindsAMonthStillLockedByAKilledProcessDoesNotCompleteWithoutIt(@TempDir Path dir) throws Exception {
		String database = "kill_locked";
		JdbcTemplate jdbc = servers.database(database);
		Map<String, ContentChecksum> source = ArchiveTestServers.checksums(jdbc);
		jdbc.execute("CREATE TABLE hold_switch AS SELECT 1 AS hold");
		holdLedgerMove(jdbc,
				"OLD.state = 'VERIFIED' AND NEW.state = 'DETACHED' AND EXISTS (SELECT 1 FROM hold_switch)");
		try (HikariDataSource holder = servers.dataSource(database); Connection hold = holder.getConnection()) {
			try (Statement statement = hold.createStatement()) {
				statement.execute("SELECT pg_advisory_lock(" + HOLD + ")");
			}
			killWhen(dir.resolve("killed.log"), database, () -> waiting(jdbc, database) > 0);
			// the next moves pass (the trigger cannot be dropped while the session waits
			// in it)
			jdbc.execute("DELETE FROM hold_switch");
			// the killed process's session still waits, holding its month's lock
			assertThat(ledgerLocks(jdbc)).isOne();
			// the other months are done, and the run fails naming the one it could not
			// take
			assertThat(runAgain(dir.resolve("again.log"), database)).as(() -> log(dir.resolve("again.log")))
				.isEqualTo(1);
			assertThat(log(dir.resolve("again.log"))).contains("not archived: [health_reading 2024-12]");
			assertThat(states(jdbc)).containsExactly("VERIFIED", "DROPPED", "DROPPED", "DROPPED");
			try (Statement statement = hold.createStatement()) {
				statement.execute("SELECT pg_advisory_unlock(" + HOLD + ")");
			}
		}
		// the killed process's session finishes its move, then notices it is alone
		await().atMost(Duration.ofSeconds(60)).until(() -> ledgerLocks(jdbc) == 0);
		assertThat(runAgain(dir.resolve("last.log"), database)).as(() -> log(dir.resolve("last.log"))).isZero();
		assertArchived(jdbc, database, source);
		assertThat(
				jdbc.queryForObject("SELECT count(*) FROM batch_job_instance WHERE job_name = 'archive'", Long.class))
			.as("each run resumed the same one")
			.isOne();
	}

	/**
	 * A process killed while {@code DETACH PARTITION … CONCURRENTLY} waits for older
	 * transactions, its session then ended, leaves the partition pending detach with the
	 * ledger at {@code VERIFIED}: the same command finishes the detach and the month.
	 */
	@Test
	void aProcessKilledDuringAConcurrentDetachIsResumedByTheSameCommand(@TempDir Path dir) throws Exception {
		String database = "kill_detaching";
		JdbcTemplate jdbc = servers.database(database);
		Map<String, ContentChecksum> source = ArchiveTestServers.checksums(jdbc);
		try (HikariDataSource holder = servers.dataSource(database); Connection reader = holder.getConnection()) {
			// an older transaction that read the table: the detach waits for it to end
			reader.setAutoCommit(false);
			try (Statement statement = reader.createStatement()) {
				statement.execute("SELECT count(*) FROM health_reading WHERE user_id = 0");
			}
			killWhen(dir.resolve("killed.log"), database, () -> detaching(jdbc, database) > 0);
			jdbc.queryForList("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?"
					+ " AND query LIKE 'ALTER TABLE % DETACH PARTITION %'", database);
			reader.rollback();
		}
		await().atMost(Duration.ofSeconds(60)).until(() -> ledgerLocks(jdbc) == 0);
		assertThat(jdbc.queryForObject("SELECT count(*) FROM pg_inherits WHERE inhdetachpending", Long.class)).isOne();
		assertThat(states(jdbc)).contains("VERIFIED");
		assertThat(runAgain(dir.resolve("again.log"), database)).as(() -> log(dir.resolve("again.log"))).isZero();
		assertArchived(jdbc, database, source);
	}

	/**
	 * Makes every ledger update that meets {@code condition} wait for the advisory lock
	 * {@link #HOLD} (trigger {@code hold_ledger}), which the test holds.
	 */
	private static void holdLedgerMove(JdbcTemplate jdbc, String condition) {
		jdbc.execute(String.format(Locale.ROOT, """
				CREATE FUNCTION hold_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF %s THEN
						PERFORM pg_advisory_lock(%d);
						PERFORM pg_advisory_unlock(%d);
					END IF;
					RETURN NEW;
				END $$""", condition, HOLD, HOLD));
		jdbc.execute("CREATE TRIGGER hold_ledger BEFORE UPDATE ON archive_ledger FOR EACH ROW"
				+ " EXECUTE FUNCTION hold_ledger()");
	}

	/**
	 * Starts an archive process and kills it (SIGKILL) once {@code reached} says it got
	 * where the test wants it.
	 */
	private static void killWhen(Path logFile, String database, Callable<Boolean> reached) throws Exception {
		Process process = start(logFile, database);
		try {
			await().atMost(Duration.ofSeconds(120))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> !process.isAlive() || reached.call());
			assertThat(process.isAlive()).as(() -> log(logFile)).isTrue();
		}
		finally {
			process.destroyForcibly();
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		}
	}

	/** Runs the same archive command again, to its end, and returns its exit code. */
	private static int runAgain(Path logFile, String database) throws Exception {
		Process again = start(logFile, database);
		assertThat(again.waitFor(180, TimeUnit.SECONDS)).isTrue();
		return again.exitValue();
	}

	/**
	 * Every month archived: its ledger entry DROPPED, its partition gone, the ledger
	 * holding the source's counts and checksums, S3 holding what the manifests list.
	 */
	private static void assertArchived(JdbcTemplate jdbc, String database, Map<String, ContentChecksum> source) {
		assertThat(states(jdbc)).containsOnly("DROPPED").hasSize(4);
		assertThat(attached(jdbc)).doesNotContainAnyElementsOf(names());
		for (String name : names()) {
			assertThat(jdbc.queryForObject("SELECT to_regclass(?) IS NULL", Boolean.class, name)).as(name).isTrue();
		}
		assertLedgerHolds(jdbc, source);
		assertThat(servers.objects(database)).isEqualTo(servers.expectedObjects(database));
	}

	/** Sessions of the database waiting in a detach. */
	private static long detaching(JdbcTemplate jdbc, String database) {
		return jdbc.queryForObject(
				"SELECT count(*) FROM pg_stat_activity WHERE datname = ?"
						+ " AND query LIKE 'ALTER TABLE % DETACH PARTITION %' AND wait_event_type = 'Lock'",
				Long.class, database);
	}

	/** Sessions of the database waiting for an advisory lock: the held ledger move. */
	private static long waiting(JdbcTemplate jdbc, String database) {
		return jdbc.queryForObject("SELECT count(*) FROM pg_stat_activity WHERE datname = ?"
				+ " AND wait_event_type = 'Lock' AND wait_event = 'advisory'", Long.class, database);
	}

	/** Advisory locks of the archive ledger's months still held by some session. */
	private static long ledgerLocks(JdbcTemplate jdbc) {
		return jdbc.queryForObject(
				"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
						+ " AND objsubid = 2 AND classid::bigint BETWEEN x'48534100'::bigint AND x'4853410f'::bigint"
						+ " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
				Long.class);
	}

	private static Process start(Path log, String database) throws IOException {
		List<String> jvmOptions = List.of("-Daws.accessKeyId=" + servers.s3Server().accessKey(),
				"-Daws.secretAccessKey=" + servers.s3Server().secretKey());
		List<String> args = List.of("run", "archive", "--before=2025-02", "--healthscore.archive.grace-period=0s",
				"--spring.datasource.url=" + servers.jdbcUrl(database), "--spring.datasource.username=postgres",
				"--healthscore.archive.endpoint=" + servers.s3Server().endpoint(),
				"--healthscore.archive.region=" + servers.s3Server().region().id(),
				"--healthscore.archive.bucket=" + BUCKET, "--healthscore.archive.prefix=" + database,
				"--healthscore.archive.target-file-size=256KB", "--healthscore.archive.row-group-size=128KB");
		return AppProcess.start(log, jvmOptions, args);
	}

	private static String log(Path log) {
		try {
			return Files.readString(log);
		}
		catch (IOException ex) {
			return "(its log " + log + " cannot be read: " + ex + ")";
		}
	}

}
