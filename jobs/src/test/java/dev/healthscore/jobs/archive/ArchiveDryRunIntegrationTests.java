package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.jobs.archive.ArchiveTestServers.BUCKET;
import static dev.healthscore.jobs.archive.ArchiveTestServers.NOW;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run archive --dry-run} against a real PostgreSQL and an in-process S3 server:
 * months in every state a run meets, the plan it prints for each, nothing changed, and
 * the real run that follows doing what the plan said.
 */
@ExtendWith(OutputCaptureExtension.class)
class ArchiveDryRunIntegrationTests {

	private static final Pattern PLAN_LINE = Pattern
		.compile("^  (health_\\w+) (\\d{4}-\\d{2}): (.+?) -> (.+); ends (\\w[\\w ]*); (.+)$", Pattern.MULTILINE);

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
	void theDryRunSaysWhatTheRunWouldDoToEachMonthChangesNothingAndTheRunThenDoesIt(CapturedOutput output)
			throws Exception {
		JdbcTemplate jdbc = servers.database("dryrun");
		// December detached 8 days ago (its grace period ended yesterday), then its
		// scores
		// restored; January's readings detached 2 days ago, its scores exported when the
		// run failed; February never archived
		assertThat(servers.app("dryrun", NOW.minus(Duration.ofDays(8)), null, "run", "archive", "--before=2025-01"))
			.isZero();
		assertThat(servers.app("dryrun", NOW.minus(Duration.ofDays(8)), null, "run", "restore", "--table=health_score",
				"--month=2024-12"))
			.isZero();
		ArchiveStepListener crash = (table, month, reached) -> {
			if (table == ArchiveTable.HEALTH_SCORE && reached == ArchiveState.EXPORTED) {
				throw new IllegalStateException("Injected crash after " + table.partitionName(month) + " " + reached);
			}
		};
		assertThat(servers.app("dryrun", NOW.minus(Duration.ofDays(2)), crash, "run", "archive", "--before=2025-02"))
			.isEqualTo(1);
		// what an interrupted export leaves, and what only a run may clean up
		servers.s3()
			.createMultipartUpload(
					(request) -> request.bucket(BUCKET).key("dryrun/health_reading/month=2025-02/part-00000.parquet"));
		// the estimate of an analyzed table of this size is its count
		jdbc.execute("ANALYZE health_reading_2025_02");
		long februaryRows = jdbc.queryForObject("SELECT count(*) FROM health_reading_2025_02", Long.class);
		Map<String, Object> before = everything(jdbc, "dryrun");

		String plan;
		ArchiveLedger ledger = new ArchiveLedger();
		try (Connection other = jdbc.getDataSource().getConnection()) {
			// another session working on February's scores
			assertThat(ledger.tryLock(other, ArchiveTable.HEALTH_SCORE, YearMonth.of(2025, 2))).isTrue();
			try {
				int start = output.getOut().length();
				assertThat(servers.app("dryrun", NOW, null, "run", "archive", "--before=2025-03", "--dry-run"))
					.isZero();
				plan = output.getOut().substring(start);
			}
			finally {
				ledger.unlock(other, ArchiveTable.HEALTH_SCORE, YearMonth.of(2025, 2));
			}
		}
		assertThat(everything(jdbc, "dryrun")).as("nothing changed").isEqualTo(before);

		Map<String, String[]> lines = lines(plan);
		assertThat(lines).containsOnlyKeys("health_reading 2024-12", "health_score 2024-12", "health_reading 2025-01",
				"health_score 2025-01", "health_reading 2025-02", "health_score 2025-02");
		assertThat(lines.get("health_reading 2024-12")).containsExactly("DETACHED since 2026-03-07T12:00:00Z",
				"verify again and drop now: the grace period ended at 2026-03-14T12:00:00Z", "DROPPED");
		assertThat(lines.get("health_score 2024-12")).containsExactly("RESTORED since 2026-03-07T12:00:00Z",
				"skip: restored; run archive --rearchive=2024-12 archives it again", "RESTORED");
		assertThat(lines.get("health_reading 2025-01")).containsExactly("DETACHED since 2026-03-13T12:00:00Z",
				"keep detached until 2026-03-20T12:00:00Z (grace period 7d)", "DETACHED");
		assertThat(lines.get("health_score 2025-01")).containsExactly("EXPORTED",
				"resume from EXPORTED: verify, detach, keep detached until 2026-03-22T12:00:00Z (grace period 7d)",
				"DETACHED");
		assertThat(lines.get("health_reading 2025-02")).containsExactly("not archived",
				"export, verify, detach, keep detached until 2026-03-22T12:00:00Z (grace period 7d)", "DETACHED");
		assertThat(lines.get("health_score 2025-02")[1]).startsWith("skip: locked by another session")
			.endsWith("once it is free: export, verify, detach, keep detached until 2026-03-22T12:00:00Z"
					+ " (grace period 7d)");
		assertThat(plan)
			.contains(String.format(Locale.ROOT, "health_reading_2025_02: ~%,d rows (estimate: pg_class.reltuples), ",
					februaryRows))
			.containsPattern("health_score_2025_02: (~[\\d,]+ rows \\(estimate: pg_class.reltuples\\)|[\\d,]+ rows"
					+ " \\(counted: never analyzed\\)), \\d+\\.\\d MiB \\(pg_total_relation_size\\)")
			.contains("app_user snapshot: replace it (export and verify every user); app_user: ")
			.contains("Archive dry run: 6 table months: 1 to export, 2 to verify, 2 to detach, 1 to drop,"
					+ " 3 kept detached, 2 skipped; about ")
			.contains("; nothing was changed");

		// the lock released, the run does what the plan said, the locked month included
		assertThat(servers.app("dryrun", NOW, null, "run", "archive", "--before=2025-03")).isZero();
		Map<String, String> states = new TreeMap<>();
		jdbc.query("SELECT table_name || ' ' || to_char(month, 'YYYY-MM') AS month, state FROM archive_ledger",
				(row) -> {
					states.put(row.getString("month"), row.getString("state"));
				});
		Map<String, String> planned = new TreeMap<>();
		lines.forEach((month, line) -> planned.put(month, line[2]));
		planned.put("health_score 2025-02", ArchiveState.DETACHED.name());
		assertThat(states).isEqualTo(planned);
		assertThat(servers.noUnfinishedUploads()).isTrue();

		// asked to archive the restored month again, the run would
		int start = output.getOut().length();
		assertThat(servers.app("dryrun", NOW, null, "run", "archive", "--before=2025-03", "--rearchive=2024-12",
				"--dry-run"))
			.isZero();
		Map<String, String[]> again = lines(output.getOut().substring(start));
		assertThat(again.get("health_score 2024-12")).containsExactly("RESTORED since 2026-03-07T12:00:00Z",
				"re-archive: export, verify, detach, keep detached until 2026-03-22T12:00:00Z (grace period 7d)",
				"DETACHED");
		assertThat(again).as("dropped months are no run's work")
			.containsOnlyKeys("health_score 2024-12", "health_reading 2025-01", "health_score 2025-01",
					"health_reading 2025-02", "health_score 2025-02");
	}

	@Test
	void aDryRunIsRefusedWhatTheRunWouldBeRefused(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("dryrefused");
		Map<String, Object> before = everything(jdbc, "dryrefused");
		assertThat(servers.app("dryrefused", NOW, null, "run", "archive", "--dry-run", "--rearchive=2024-12"))
			.isEqualTo(2);
		assertThat(output)
			.contains("Cannot archive 2024-12 again (--rearchive): no table of that month is restored"
					+ " (health_reading 2024-12: never archived; health_score 2024-12: never archived)")
			.doesNotContain("Archive dry run");
		assertThat(servers.app("dryrefused", NOW, null, "run", "archive", "--dry-run", "--hot-months=0")).isEqualTo(2);
		assertThat(output).contains("Cannot archive the months before 2026-03: the nightly recompute and reconcile")
			.doesNotContain("Archive dry run");
		// a configured database and no bucket: the run is refused making its S3 client
		assertThat(servers.appWithoutStorage("dryrefused", NOW, null, "run", "archive", "--dry-run")).isEqualTo(2);
		assertThat(output)
			.contains("Cannot run archive: Cannot use the in-process S3 server (objects in memory, lost when the"
					+ " process exits) with a configured database (spring.datasource.url): set"
					+ " healthscore.archive.bucket")
			.doesNotContain("Archive dry run at");
		assertThat(everything(jdbc, "dryrefused")).isEqualTo(before);
	}

	/**
	 * A table never analyzed (nor vacuumed) has no {@code pg_class.reltuples}: the dry
	 * run printed the planner's guess from its pages, ~920 rows for an empty
	 * {@code app_user}. A small one is counted: 0 rows.
	 */
	@Test
	void aDryRunCountsTheRowsOfASmallTableNeverAnalyzed(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("drycount");
		// a new, empty heap: as a fresh database's app_user, never analyzed
		jdbc.execute("TRUNCATE app_user CASCADE");
		assertThat(jdbc.queryForObject("SELECT reltuples FROM pg_class WHERE oid = 'app_user'::regclass", Float.class))
			.isEqualTo(-1f);
		int start = output.getOut().length();
		assertThat(servers.app("drycount", NOW, null, "run", "archive", "--dry-run")).isZero();
		assertThat(output.getOut().substring(start))
			.contains("app_user snapshot: replace it (export and verify every user); app_user: 0 rows (counted:"
					+ " never analyzed), ")
			.doesNotContain("planner estimate");
	}

	/** Each plan line by table month: the state, the action, the state it ends in. */
	private static Map<String, String[]> lines(String plan) {
		Map<String, String[]> lines = new TreeMap<>();
		Matcher matcher = PLAN_LINE.matcher(plan);
		while (matcher.find()) {
			lines.put(matcher.group(1) + " " + matcher.group(2),
					new String[] { matcher.group(3), matcher.group(4), matcher.group(5) });
		}
		return lines;
	}

	/**
	 * What a run could change: the ledger, the tables of the partitioned tables' months
	 * (attached or not) and their rows, the job repository, the objects and unfinished
	 * uploads under the test's prefix, and the advisory locks held.
	 */
	private static Map<String, Object> everything(JdbcTemplate jdbc, String prefix) {
		Map<String, Object> all = new TreeMap<>();
		all.put("ledger", jdbc.queryForList("SELECT * FROM archive_ledger ORDER BY table_name, month"));
		List<String> tables = jdbc.queryForList(
				"SELECT c.relname::text FROM pg_class c"
						+ " WHERE c.relname ~ '^health_(reading|score)_\\d{4}_\\d{2}$' AND c.relkind = 'r' ORDER BY 1",
				String.class);
		all.put("partitions",
				jdbc.queryForList("SELECT c.relname::text, c.relispartition, i.inhparent::regclass::text"
						+ " FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid"
						+ " WHERE c.relname ~ '^health_(reading|score)_\\d{4}_\\d{2}$' ORDER BY 1"));
		List<Object> counts = new ArrayList<>();
		for (String table : tables) {
			counts.add(table + " " + jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class));
		}
		all.put("rows", counts);
		all.put("executions", jdbc.queryForList(
				"SELECT job_execution_id, status, exit_code FROM batch_job_execution" + " ORDER BY job_execution_id"));
		all.put("steps", jdbc.queryForObject("SELECT count(*) FROM batch_step_execution", Long.class));
		all.put("locks", jdbc.queryForList(
				"SELECT classid, objid, objsubid FROM pg_locks WHERE locktype = 'advisory' ORDER BY 1, 2, 3"));
		all.put("objects", servers.s3()
			.listObjectsV2Paginator((request) -> request.bucket(BUCKET).prefix(prefix + "/"))
			.contents()
			.stream()
			.map((object) -> object.key() + " " + object.eTag() + " " + object.size() + " " + object.lastModified())
			.toList());
		all.put("uploads",
				servers.s3()
					.listMultipartUploads((request) -> request.bucket(BUCKET).prefix(prefix + "/"))
					.uploads()
					.stream()
					.map((upload) -> upload.key() + " " + upload.uploadId())
					.toList());
		return all;
	}

}
