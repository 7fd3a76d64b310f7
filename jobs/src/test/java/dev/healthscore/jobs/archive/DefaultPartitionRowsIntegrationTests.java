package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.healthscore.io.archive.ArchiveLayout;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.jobs.archive.DefaultPartitionRows.Finding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.count;
import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.states;
import static dev.healthscore.jobs.archive.ArchiveTestServers.BUCKET;
import static dev.healthscore.jobs.archive.ArchiveTestServers.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

/**
 * Rows of a month in an app's {@code DEFAULT} partition, outside the archive: a late
 * reading of a month the archive detached or dropped, and the rows of an old month that
 * never had a partition. The archive and partitions jobs run from the command line on a
 * real PostgreSQL and the in-process S3 server; each run that finds such rows says where
 * and what to do, and ends {@code COMPLETED WITH WARNINGS} (exit code 0), and the SQL it
 * gives is run as given.
 */
@ExtendWith(OutputCaptureExtension.class)
class DefaultPartitionRowsIntegrationTests {

	private static final Pattern TRANSACTION = Pattern.compile("BEGIN; (.*?) COMMIT;");

	private static final Pattern INSERT_BACK = Pattern.compile("then (INSERT INTO .*? DROP TABLE \\S+;)");

	private static ArchiveTestServers servers;

	@BeforeAll
	static void start() throws Exception {
		servers = ArchiveTestServers.start(6);
	}

	@AfterAll
	static void stop() throws Exception {
		servers.close();
	}

	/**
	 * A late reading of a dropped month landed in the default partition: no run said so,
	 * it was in no archive, and only a restore of the month found it in its way.
	 */
	@Test
	void aLateReadingOfADroppedMonthIsReportedByArchiveAndPartitionsAndArchivedOnceMovedAsTheySay(
			CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("late_dropped");
		assertThat(servers.app("late_dropped", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		assertThat(
				servers.app("late_dropped", NOW.plus(Duration.ofDays(8)), null, "run", "archive", "--before=2025-01"))
			.isZero();
		assertThat(states(jdbc)).containsExactly("DROPPED", "DROPPED");
		long archived = rowCount(jdbc, "health_reading_2024_12");
		jdbc.execute("CREATE TABLE health_reading_default PARTITION OF health_reading DEFAULT");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source) VALUES"
				+ " (1, 'steps', '2024-12-31 23:00:00+00', 1, 'late'), (2, 'steps', '2024-12-01 00:00:00+00', 2, 'late')");
		assertThat(count(jdbc, "health_reading_default")).isEqualTo(2);

		int from = output.getAll().length();
		assertThat(
				servers.app("late_dropped", NOW.plus(Duration.ofDays(9)), null, "run", "archive", "--before=2025-01"))
			.isZero();
		String run = output.getAll().substring(from);
		String warning = "health_reading 2024-12: the DEFAULT partition health_reading_default holds 2 rows of the"
				+ " month, written since its partition was archived (ledger DROPPED). They are in no archive (the"
				+ " month's comparisons read its own partition), and a restore of the month is refused while they"
				+ " are there. To archive them, move them aside, restore the month, insert them back and archive it"
				+ " again: BEGIN; CREATE TABLE health_reading_2024_12_aside AS SELECT * FROM health_reading_default"
				+ " WHERE recorded_at >= '2024-12-01 00:00:00+00'::timestamptz AND recorded_at < '2025-01-01"
				+ " 00:00:00+00'::timestamptz; DELETE FROM health_reading_default WHERE recorded_at >= '2024-12-01"
				+ " 00:00:00+00'::timestamptz AND recorded_at < '2025-01-01 00:00:00+00'::timestamptz; COMMIT; then"
				+ " run restore --table=health_reading --month=2024-12; then INSERT INTO health_reading SELECT * FROM"
				+ " health_reading_2024_12_aside; DROP TABLE health_reading_2024_12_aside;";
		assertThat(run).contains("WARN").contains(warning);
		assertThat(run).contains("archive execution ")
			.contains(" ended COMPLETED; exit code 0; with warnings: 2 rows in DEFAULT partitions are outside the"
					+ " archive: health_reading 2024-12: 2 rows in health_reading_default (ledger DROPPED) (this"
					+ " run's WARN lines say what to do)");
		assertThat(lastExitCode(jdbc, "archive")).isEqualTo("COMPLETED WITH WARNINGS");

		from = output.getAll().length();
		assertThat(servers.app("late_dropped", NOW.plus(Duration.ofDays(9)), null, "run", "partitions")).isZero();
		assertThat(output.getAll().substring(from)).contains(warning);
		assertThat(lastExitCode(jdbc, "partitions")).isEqualTo("COMPLETED WITH WARNINGS");
		from = output.getAll().length();
		assertThat(servers.app("late_dropped", NOW.plus(Duration.ofDays(9)), null, "status")).isZero();
		assertThat(output.getAll()
			.substring(from)
			.lines()
			.filter((line) -> line.equals("            warnings: 2 rows in DEFAULT partitions are outside the archive:"
					+ " health_reading 2024-12: 2 rows in health_reading_default (ledger DROPPED) (this run's WARN"
					+ " lines say what to do)")))
			.as("under the last archive and partitions runs")
			.hasSize(2);

		// as the warning says: aside, restore, back, archive again
		String advice = line(run, warning);
		jdbc.execute(group(TRANSACTION, advice));
		assertThat(servers.app("late_dropped", NOW.plus(Duration.ofDays(9)), null, "run", "restore",
				"--table=health_reading", "--month=2024-12"))
			.isZero();
		jdbc.execute(group(INSERT_BACK, advice));
		from = output.getAll().length();
		assertThat(servers.app("late_dropped", NOW.plus(Duration.ofDays(9)), null, "run", "archive", "--before=2025-01",
				"--rearchive=2024-12"))
			.isZero();
		assertThat(output.getAll().substring(from)).doesNotContain("DEFAULT partition")
			.contains(" ended COMPLETED; exit code 0")
			.doesNotContain("with warnings");
		assertThat(rowCount(jdbc, "health_reading_2024_12")).isEqualTo(archived + 2);
		assertThat(new ArchiveManifests(servers.s3(), new ArchiveLayout(BUCKET, "late_dropped"))
			.read(ArchiveTable.HEALTH_READING, YearMonth.of(2024, 12))
			.rows()).isEqualTo(archived + 2);
		assertThat(lastExitCode(jdbc, "archive")).isEqualTo("COMPLETED");
	}

	/**
	 * A detached month whose grace period ended was dropped although the default
	 * partition held rows of it written since the detach, which no comparison read. While
	 * its partition is attached PostgreSQL keeps the month's rows out of the default
	 * partition, so the detach needs no such check.
	 */
	@Test
	void aDetachedMonthIsKeptNotDroppedWhileTheDefaultPartitionHoldsRowsOfIt(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("held_drop");
		jdbc.execute("CREATE TABLE health_reading_default PARTITION OF health_reading DEFAULT");
		assertThatExceptionOfType(Exception.class)
			.isThrownBy(() -> jdbc.update("INSERT INTO health_reading_default (user_id, metric, recorded_at, value,"
					+ " source) VALUES (1, 'steps', '2024-12-31 23:00:00+00', 1, 'late')"))
			.withMessageContaining("violates partition constraint");
		assertThat(servers.app("held_drop", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		assertThat(states(jdbc)).containsExactly("DETACHED", "DETACHED");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source)"
				+ " VALUES (1, 'steps', '2024-12-31 23:00:00+00', 1, 'late')");
		assertThat(count(jdbc, "health_reading_default")).isOne();

		// the preview says what the run does
		int from = output.getAll().length();
		assertThat(servers.app("held_drop", NOW.plus(Duration.ofDays(8)), null, "run", "archive", "--before=2025-01",
				"--dry-run"))
			.isZero();
		assertThat(line(output.getAll().substring(from), "  health_reading 2024-12: DETACHED"))
			.contains("-> keep detached, not dropped: the DEFAULT partition health_reading_default holds 1 rows of"
					+ " the month (grace period ended at ")
			.contains("; ends DETACHED;");
		assertThat(output.getAll().substring(from))
			.contains("  outside the archive: health_reading 2024-12: the DEFAULT partition health_reading_default"
					+ " holds 1 rows of the month, written since its partition was detached")
			.contains("2 table months: 0 to export, 0 to verify, 0 to detach, 1 to drop, 1 kept detached, 0 skipped;")
			.contains("1 rows in DEFAULT partitions outside the archive, which the run would warn of; nothing was"
					+ " changed");
		assertThat(states(jdbc)).containsExactly("DETACHED", "DETACHED");

		from = output.getAll().length();
		assertThat(servers.app("held_drop", NOW.plus(Duration.ofDays(8)), null, "run", "archive", "--before=2025-01"))
			.isZero();
		String run = output.getAll().substring(from);
		String held = "Kept health_reading_2024_12 detached, not dropped: the DEFAULT partition health_reading_default"
				+ " holds 1 rows of 2024-12 written since it was detached, which are not in the archive; it is dropped"
				+ " once they are moved into the month or deleted (the run's warning about them says how)";
		assertThat(run).contains(held)
			.contains("health_reading 2024-12: the DEFAULT partition health_reading_default holds 1 rows of the"
					+ " month, written since its partition was detached (ledger DETACHED): its partition is kept, not"
					+ " dropped, while they are there.")
			.contains("with warnings: 1 rows in DEFAULT partitions are outside the archive: health_reading 2024-12:"
					+ " 1 rows in health_reading_default (ledger DETACHED)");
		assertThat(states(jdbc)).containsExactly("DETACHED", "DROPPED");
		assertThat(jdbc.queryForObject("SELECT last_error FROM archive_ledger WHERE partition_name = ?", String.class,
				"health_reading_2024_12"))
			.isEqualTo(held);
		assertThat(count(jdbc, "health_reading_2024_12")).isPositive();

		// the other way out the warning gives: the rows are not wanted
		String delete = group(Pattern.compile("If they are not wanted: (DELETE FROM .*?;)"),
				line(run, "health_reading 2024-12: the DEFAULT partition"));
		jdbc.execute(delete);
		from = output.getAll().length();
		assertThat(servers.app("held_drop", NOW.plus(Duration.ofDays(9)), null, "run", "archive", "--before=2025-01"))
			.isZero();
		assertThat(output.getAll().substring(from)).doesNotContain("with warnings");
		assertThat(states(jdbc)).containsExactly("DROPPED", "DROPPED");
		assertThat(jdbc.queryForObject("SELECT last_error FROM archive_ledger WHERE partition_name = ?", String.class,
				"health_reading_2024_12"))
			.isNull();
	}

	/**
	 * The rows of an old month that has no partition, in the default partition: the
	 * archive, which takes the attached partitions older than the cut-off, passed them
	 * over without a word.
	 */
	@Test
	void theRowsOfAnOldMonthWithoutAPartitionAreReportedAndArchivedOnceGivenTheirPartitionAsTheWarningSays(
			CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("no_partition");
		jdbc.execute("CREATE TABLE health_reading_default PARTITION OF health_reading DEFAULT");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source) VALUES"
				+ " (1, 'steps', '2024-06-01 08:00:00+00', 1, 'old'), (1, 'steps', '2024-06-02 08:00:00+00', 2, 'old'),"
				+ " (2, 'steps', '2024-06-30 23:59:59+00', 3, 'old')");
		int from = output.getAll().length();
		assertThat(servers.app("no_partition", NOW, null, "run", "archive")).isZero();
		String run = output.getAll().substring(from);
		String warning = "health_reading 2024-06: the DEFAULT partition health_reading_default holds 3 rows of the"
				+ " month, which has no partition: the archive does not take them, and they are in no archive. Give"
				+ " the month its partition, which moves them into it (holding health_reading and"
				+ " health_reading_default locked meanwhile), and the next run archives it: SELECT"
				+ " healthscore_ensure_partitions('health_reading', DATE '2024-06-01', DATE '2024-06-01');";
		assertThat(run).contains(warning)
			.contains("with warnings: 3 rows in DEFAULT partitions are outside the archive: health_reading 2024-06: 3"
					+ " rows in health_reading_default (no partition, not archived)");
		assertThat(states(jdbc)).containsOnly("DETACHED").hasSize(4);

		jdbc.execute(group(Pattern.compile(": (SELECT healthscore_ensure_partitions\\(.*?\\);)"), line(run, warning)));
		assertThat(count(jdbc, "health_reading_default")).isZero();
		assertThat(count(jdbc, "health_reading_2024_06")).isEqualTo(3);
		from = output.getAll().length();
		assertThat(servers.app("no_partition", NOW, null, "run", "archive")).isZero();
		assertThat(output.getAll().substring(from)).doesNotContain("with warnings");
		assertThat(jdbc.queryForObject("SELECT state || ' ' || row_count FROM archive_ledger WHERE partition_name = ?",
				String.class, "health_reading_2024_06"))
			.isEqualTo("DETACHED 3");
	}

	/**
	 * A device whose clock runs months ahead wrote readings (and a score) of months that
	 * had no partition yet, which landed in the default partitions: the partitions job,
	 * once those months come within the months it creates ahead, failed on each of them
	 * every night with PostgreSQL's "updated partition constraint for default partition
	 * ... would be violated". It now creates them with those rows moved into them, and
	 * says so; a row of a month still beyond them stays where it is.
	 */
	@Test
	void rowsOfAMonthAheadInADefaultPartitionMoveIntoTheMonthsPartitionWhenThePartitionsJobCreatesIt(
			CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("clock_ahead");
		jdbc.execute("CREATE TABLE health_reading_default PARTITION OF health_reading DEFAULT");
		jdbc.execute("CREATE TABLE health_score_default PARTITION OF health_score DEFAULT");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source) VALUES"
				+ " (1, 'steps', '2026-05-01 00:00:00+00', 1, 'ahead'), (2, 'steps', '2026-05-31 23:59:59+00', 2,"
				+ " 'ahead'), (1, 'steps', '2027-01-01 00:00:00+00', 3, 'ahead')");
		jdbc.update("INSERT INTO health_score (user_id, score_date, score, completeness, algorithm_version,"
				+ " inputs_as_of) VALUES (1, '2026-04-30', 50, 1, 1, now())");
		assertThat(count(jdbc, "health_reading_default")).isEqualTo(3);
		assertThat(count(jdbc, "health_score_default")).isOne();

		int from = output.getAll().length();
		assertThat(servers.app("clock_ahead", NOW, null, "run", "partitions")).isZero();
		assertThat(output.getAll().substring(from))
			.contains("Created health_reading_2026_05 for 2026-05 with 2 rows moved into it from the DEFAULT partition"
					+ " health_reading_default")
			.contains("Created health_score_2026_04 for 2026-04 with 1 rows moved into it from the DEFAULT partition"
					+ " health_score_default")
			.contains(" partitions of health_reading for 2026-03..2026-06: 4 created")
			.doesNotContain("with warnings");
		assertThat(lastExitCode(jdbc, "partitions")).isEqualTo("COMPLETED");
		assertThat(jdbc.queryForList("SELECT user_id || ' ' || value FROM health_reading_2026_05 ORDER BY user_id",
				String.class))
			.containsExactly("1 1", "2 2");
		assertThat(jdbc.queryForList("SELECT user_id || ' ' || score FROM health_score_2026_04", String.class))
			.containsExactly("1 50");
		assertThat(jdbc.queryForList("SELECT recorded_at AT TIME ZONE 'UTC' || '' FROM health_reading_default",
				String.class))
			.containsExactly("2027-01-01 00:00:00");
		assertThat(count(jdbc, "health_score_default")).isZero();

		// the next day: nothing to create or move
		from = output.getAll().length();
		assertThat(servers.app("clock_ahead", NOW.plus(Duration.ofDays(1)), null, "run", "partitions")).isZero();
		assertThat(output.getAll().substring(from)).doesNotContain("rows moved")
			.contains(" partitions of health_reading for 2026-03..2026-06: 0 created")
			.contains(" partitions of health_score for 2026-03..2026-06: 0 created");
		assertThat(count(jdbc, "health_reading_2026_05")).isEqualTo(2);
		assertThat(count(jdbc, "health_reading_default")).isOne();
	}

	/**
	 * A default partition holding many rows of months after the cut-off (months ahead
	 * without a partition yet, written by a device whose clock runs ahead) and a few of
	 * an old month: each run read every row of it to count them by month, though only the
	 * months of the ledger and those before the cut-off are reported. Given an index on
	 * its key (as the README says), the rows of the other months are not read.
	 */
	@Test
	void theDefaultPartitionIsReadOnlyForTheMonthsAskedAboutThroughAnIndexOnItsKey() throws Exception {
		JdbcTemplate jdbc = servers.database("bounded");
		jdbc.execute("CREATE TABLE health_reading_default PARTITION OF health_reading DEFAULT");
		jdbc.execute("CREATE INDEX health_reading_default_recorded_at_idx ON health_reading_default (recorded_at)");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source) SELECT n % 1000,"
				+ " 'steps', TIMESTAMPTZ '2027-01-01 00:00:00+00' + n * INTERVAL '1 minute', 1, 'ahead'"
				+ " FROM generate_series(1, 50000) n");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source) VALUES"
				+ " (1, 'steps', '2024-06-01 08:00:00+00', 1, 'old'), (2, 'steps', '2024-06-30 23:59:59+00', 2, 'old')");
		jdbc.execute("ANALYZE health_reading_default");
		assertThat(count(jdbc, "health_reading_default")).isEqualTo(50_002);
		try (Connection connection = jdbc.getDataSource().getConnection()) {
			Map<String, Long> before = scans(connection, "health_reading_default");
			List<Finding> findings = new DefaultPartitionRows().find(connection, YearMonth.of(2025, 1));
			Map<String, Long> after = scans(connection, "health_reading_default");
			assertThat(findings).extracting(Finding::summary)
				.containsExactly(
						"health_reading 2024-06: 2 rows in health_reading_default (no partition, not archived)");
			assertThat(after.get("seq_tup_read") - before.get("seq_tup_read"))
				.as("rows of the default partition read by sequential scans")
				.isZero();
			assertThat(after.get("idx_scan") - before.get("idx_scan")).as("index scans of the default partition")
				.isPositive();
		}
	}

	/**
	 * A restore looked for what stands in its way twice, each time counting the month's
	 * rows in the DEFAULT partition: in the check of run restore, before the job starts,
	 * and again in the job.
	 */
	@Test
	void aRestoreLooksForWhatStandsInItsWayOnce(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("obstacles_once");
		jdbc.execute("CREATE TABLE health_score_default PARTITION OF health_score DEFAULT");
		assertThat(servers.app("obstacles_once", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		int from = output.getAll().length();
		assertThat(servers.app("obstacles_once", NOW, null, "run", "restore", "--table=health_score", "--month=2024-12",
				"--logging.level.dev.healthscore.jobs.archive.RestoreObstacles=DEBUG"))
			.isZero();
		assertThat(output.getAll().substring(from).lines())
			.filteredOn((line) -> line.contains("Looking for what stands in the way of restoring health_score_2024_12"))
			.hasSize(1);
		assertThat(states(jdbc)).containsExactly("DETACHED", "RESTORED");
	}

	/**
	 * Each finding asked the catalogue again for the default partition's name and the
	 * partition key, which the count of its rows had just read.
	 */
	@Test
	void findAsksTheCatalogueOnceATableWhateverItFinds() throws Exception {
		JdbcTemplate jdbc = servers.database("catalogue");
		jdbc.execute("CREATE TABLE health_reading_default PARTITION OF health_reading DEFAULT");
		jdbc.execute("CREATE TABLE health_score_default PARTITION OF health_score DEFAULT");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source) VALUES"
				+ " (1, 'steps', '2024-06-01 08:00:00+00', 1, 'old'), (1, 'steps', '2024-07-01 08:00:00+00', 1, 'old'),"
				+ " (1, 'steps', '2024-08-01 08:00:00+00', 1, 'old')");
		jdbc.update("INSERT INTO health_score (user_id, score_date, completeness, algorithm_version, inputs_as_of)"
				+ " VALUES (1, '2024-06-01', 0.5, 1, now()), (1, '2024-07-01', 0.5, 1, now())");
		List<String> statements = new ArrayList<>();
		List<Finding> findings;
		try (Connection real = jdbc.getDataSource().getConnection()) {
			Connection connection = mock(Connection.class, delegatesTo(real));
			doAnswer((invocation) -> {
				statements.add(invocation.getArgument(0));
				return real.prepareStatement(invocation.getArgument(0));
			}).when(connection).prepareStatement(anyString());
			findings = new DefaultPartitionRows().find(connection, YearMonth.of(2025, 1));
		}
		assertThat(findings).hasSize(5);
		assertThat(statements).filteredOn((sql) -> sql.contains("pg_partitioned_table"))
			.as("catalogue reads of the partitioned tables")
			.hasSize(2);
	}

	private static String line(String output, String containing) {
		return output.lines()
			.filter((line) -> line.contains(containing))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No line with " + containing));
	}

	private static String group(Pattern pattern, String text) {
		Matcher matcher = pattern.matcher(text);
		assertThat(matcher.find()).as("%s in %s", pattern, text).isTrue();
		return matcher.group(1);
	}

	private static long rowCount(JdbcTemplate jdbc, String partition) {
		return jdbc.queryForObject("SELECT row_count FROM archive_ledger WHERE partition_name = ?", Long.class,
				partition);
	}

	private static String lastExitCode(JdbcTemplate jdbc, String job) {
		return jdbc.queryForObject("SELECT e.exit_code FROM batch_job_execution e JOIN batch_job_instance i"
				+ " ON i.job_instance_id = e.job_instance_id WHERE i.job_name = ? ORDER BY e.job_execution_id DESC"
				+ " LIMIT 1", String.class, job);
	}

	/**
	 * The scan counters of a table, with this session's pending statistics flushed first.
	 */
	private static Map<String, Long> scans(Connection connection, String table) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			// flushed when the session goes idle after this statement, not at most once a
			// second
			statement.execute("SELECT pg_stat_force_next_flush()");
			statement.execute("SELECT pg_stat_clear_snapshot()");
			try (ResultSet result = statement.executeQuery("SELECT seq_scan, seq_tup_read, idx_scan"
					+ " FROM pg_stat_user_tables WHERE relname = '" + table + "'")) {
				assertThat(result.next()).isTrue();
				return Map.of("seq_scan", result.getLong(1), "seq_tup_read", result.getLong(2), "idx_scan",
						result.getLong(3));
			}
		}
	}

}
