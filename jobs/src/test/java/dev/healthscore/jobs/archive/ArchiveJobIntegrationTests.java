package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.healthscore.io.archive.ArchiveLayout;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.ContentChecksum;
import dev.healthscore.jobs.archive.ArchiveTestServers.Partition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.jobs.archive.ArchiveTestServers.ARCHIVED;
import static dev.healthscore.jobs.archive.ArchiveTestServers.BUCKET;
import static dev.healthscore.jobs.archive.ArchiveTestServers.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The archive, restore and partitions jobs run from the command line against a real
 * PostgreSQL and an in-process S3 server: a month's whole life from archive to drop to
 * restore, the example queries on the job's own output, and partitions made ahead.
 */
@ExtendWith(OutputCaptureExtension.class)
class ArchiveJobIntegrationTests {

	private static ArchiveTestServers servers;

	// 42 users, so that the example queries about user 42 have answers
	@BeforeAll
	static void start() throws Exception {
		servers = ArchiveTestServers.start(42);
	}

	@AfterAll
	static void stop() throws Exception {
		servers.close();
	}

	@Test
	void oldMonthsAreArchivedVerifiedDetachedThenDroppedAfterTheGracePeriodAndRestoredExactly(@TempDir Path download)
			throws Exception {
		JdbcTemplate jdbc = servers.database("lifecycle");
		Map<String, ContentChecksum> source = ArchiveTestServers.checksums(jdbc);
		var expectedAnswers = AthenaQueries.onPostgres(jdbc.getDataSource(), "2025-02-01");
		assertThat(servers.app("lifecycle", NOW, null, "run", "archive")).isZero();
		assertThat(states(jdbc)).containsOnly("DETACHED").hasSize(4);
		assertThat(attached(jdbc)).doesNotContainAnyElementsOf(names()).contains("health_reading_2025_02");
		assertThat(count(jdbc, "health_reading_2024_12")).isPositive();
		assertLedgerHolds(jdbc, source);
		Set<String> objects = servers.objects("lifecycle");
		assertThat(objects).isEqualTo(servers.expectedObjects("lifecycle"));
		assertThat(objects).filteredOn((key) -> key.contains("health_reading/month=2025-01/part-"))
			.hasSizeGreaterThan(1);
		AthenaQueries.assertSameAnswers(AthenaQueries.onDuckDb(servers.s3(), BUCKET, "lifecycle", download),
				expectedAnswers);
		assertThat(expectedAnswers.get("readings_per_metric_per_month.sql")).hasSize(10);

		assertThat(servers.app("lifecycle", NOW.plus(Duration.ofDays(6)), null, "run", "archive")).isZero();
		assertThat(states(jdbc)).containsOnly("DETACHED");
		assertThat(servers.app("lifecycle", NOW.plus(Duration.ofDays(8)), null, "run", "archive")).isZero();
		assertThat(states(jdbc)).containsOnly("DROPPED").hasSize(4);
		assertThat(jdbc.queryForList("SELECT to_regclass(?)::text", String.class, "health_reading_2025_01"))
			.containsOnlyNulls();
		assertThat(servers.objects("lifecycle")).isEqualTo(objects);
		assertThat(servers.noUnfinishedUploads()).isTrue();

		assertThat(servers.app("lifecycle", NOW.plus(Duration.ofDays(9)), null, "run", "restore",
				"--table=health_reading", "--month=2025-01"))
			.isZero();
		assertRestoredExactly(jdbc, ARCHIVED.get(1));
		assertThat(servers.app("lifecycle", NOW.plus(Duration.ofDays(9)), null, "run", "restore",
				"--table=health_reading", "--month=2025-01"))
			.isZero();
		assertThat(servers.app("lifecycle", NOW.plus(Duration.ofDays(9)), null, "run", "archive")).isZero();
		assertThat(states(jdbc)).containsExactly("DROPPED", "RESTORED", "DROPPED", "DROPPED");
		assertRestoredExactly(jdbc, ARCHIVED.get(1));
	}

	@Test
	void aDetachedMonthIsCheckedAndReattachedWhileANeverArchivedOneIsRefused(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("reattach");
		assertThat(servers.app("reattach", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		assertThat(states(jdbc)).containsOnly("DETACHED").hasSize(2);
		assertThat(servers.app("reattach", NOW, null, "run", "restore", "--table=health_score", "--month=2024-12"))
			.isZero();
		assertRestoredExactly(jdbc, ARCHIVED.get(2));
		assertThat(jdbc
			.queryForObject("SELECT restored_at FROM archive_ledger WHERE partition_name = ?", Timestamp.class,
					"health_score_2024_12")
			.toInstant()).isEqualTo(NOW);
		long executions = count(jdbc, "batch_job_execution");
		assertThat(servers.app("reattach", NOW, null, "run", "restore", "--table=health_score", "--month=2025-01"))
			.isEqualTo(2);
		assertThat(output).contains("Cannot restore health_score 2025-01: the archive ledger has no entry for it, it"
				+ " was never archived (its rows, if it has any, are still in PostgreSQL); nothing was started");
		assertThat(count(jdbc, "batch_job_execution")).as("nothing started").isEqualTo(executions);
	}

	/**
	 * A partition of a dropped month created again, or rows of the month in a DEFAULT
	 * partition, made the restore fail (exit 1) once it had loaded the month, with a
	 * message that did not say what to do (or PostgreSQL's only).
	 */
	@Test
	void aRestoreThatRowsWrittenSinceTheDropStandInTheWayOfIsRefusedBeforeItStartsAndSaysHowToKeepThem(
			CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("inway");
		assertThat(servers.app("inway", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		assertThat(servers.app("inway", NOW.plus(Duration.ofDays(8)), null, "run", "archive", "--before=2025-01"))
			.isZero();
		assertThat(states(jdbc)).containsOnly("DROPPED").hasSize(2);
		jdbc.execute("SELECT healthscore_ensure_partitions('health_reading', DATE '2024-12-01', DATE '2024-12-01')");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source)"
				+ " VALUES (1, 'steps', '2024-12-31 23:00:00+00', 1, 'late')");
		jdbc.execute("CREATE TABLE health_score_default PARTITION OF health_score DEFAULT");
		jdbc.update("INSERT INTO health_score (user_id, score_date, completeness, algorithm_version, inputs_as_of)"
				+ " VALUES (1, '2024-12-31', 0.5, 1, now()), (2, '2024-12-30', 0.5, 1, now())");
		long executions = count(jdbc, "batch_job_execution");
		assertThat(servers.app("inway", NOW.plus(Duration.ofDays(9)), null, "run", "restore", "--table=health_reading",
				"--month=2024-12"))
			.isEqualTo(2);
		assertThat(output).contains("Cannot restore health_reading 2024-12: its partition was dropped once archived,"
				+ " and a partition health_reading_2024_12 was created again since and holds 1 rows, which a restore"
				+ " does not merge with the archive's. Set them aside, restore, then insert them back: BEGIN; CREATE"
				+ " TABLE health_reading_2024_12_aside AS TABLE health_reading_2024_12; DROP TABLE"
				+ " health_reading_2024_12; COMMIT; then run restore --table=health_reading --month=2024-12; then"
				+ " INSERT INTO health_reading SELECT * FROM health_reading_2024_12_aside; DROP TABLE"
				+ " health_reading_2024_12_aside; (a row in both, by the primary key, fails the INSERT: delete the"
				+ " copy not to keep first); nothing was started");
		assertThat(servers.app("inway", NOW.plus(Duration.ofDays(9)), null, "run", "restore", "--table=health_score",
				"--month=2024-12"))
			.isEqualTo(2);
		assertThat(output).contains("Cannot restore health_score 2024-12: the DEFAULT partition health_score_default"
				+ " holds 2 rows of the month, and PostgreSQL cannot attach health_score_2024_12 while it does.");
		assertThat(count(jdbc, "batch_job_execution")).as("nothing started").isEqualTo(executions);
		jdbc.update("DELETE FROM health_score_default");
		assertThat(servers.app("inway", NOW.plus(Duration.ofDays(9)), null, "run", "restore", "--table=health_score",
				"--month=2024-12"))
			.isZero();
		assertRestoredExactly(jdbc, ARCHIVED.get(2));
	}

	@Test
	void aMonthWhoseUsersCannotBeSortedOnDiskStaysWhereItWasUntilARunThatCan(@TempDir Path sortDirectory,
			CapturedOutput output) throws Exception {
		JdbcTemplate jdbc = servers.database("spill");
		long rows = count(jdbc, "health_reading_2024_12");
		// each user has some 160 readings in December: more than the buffer, so each is
		// sorted on disk, where no file can be created: the directory, missing and
		// creatable when the run started, cannot be once the export begins (a volume
		// gone)
		Path missing = sortDirectory.resolve("missing");
		ArchiveStepListener volumeGone = (table, month, reached) -> {
			if (reached == ArchiveState.EXPORTING && !Files.exists(missing)) {
				try {
					Files.createFile(missing);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}
		};
		assertThat(servers.app("spill", NOW, volumeGone, "run", "archive", "--before=2025-01",
				"--healthscore.archive.sort-buffer-rows=50", "--healthscore.archive.sort-directory=" + missing))
			.isEqualTo(1);
		Files.delete(missing);
		String message = "Cannot create a temporary file in " + missing
				+ " to sort a group of more than 50 rows of health_reading on disk";
		assertThat(output).contains(message);
		assertThat(jdbc.queryForMap("SELECT state, last_error FROM archive_ledger WHERE partition_name = ?",
				"health_reading_2024_12"))
			.containsEntry("state", "EXPORTING")
			.hasEntrySatisfying("last_error", (error) -> assertThat((String) error).contains(message));
		assertThat(attached(jdbc)).contains("health_reading_2024_12");
		assertThat(count(jdbc, "health_reading_2024_12")).isEqualTo(rows);
		// what an export killed mid-sort leaves: its runs, and its lock file, unlocked
		// since
		Files.createFile(sortDirectory.resolve("healthscore-archive-sort-0123456789abcdef.lock"));
		Files.write(sortDirectory.resolve("healthscore-archive-sort-0123456789abcdef-42.copy"), new byte[700]);
		Path unrelated = Files.write(sortDirectory.resolve("healthscore-archive-sort-notes.txt"), new byte[1]);
		assertThat(servers.app("spill", NOW, null, "run", "archive", "--before=2025-01",
				"--healthscore.archive.sort-buffer-rows=50", "--healthscore.archive.sort-directory=" + sortDirectory))
			.isZero();
		assertThat(states(jdbc)).containsOnly("DETACHED").hasSize(2);
		assertThat(output).containsPattern("Sorted \\d+ rows of health_reading user_id = \\d+ on disk");
		assertThat(output)
			.containsPattern("WARN .*: removed 1 temporary sort files \\(700 bytes\\) of 1 earlier exports from "
					+ Pattern.quote(sortDirectory.toString()) + ": those exports died");
		try (Stream<Path> files = Files.list(sortDirectory)) {
			assertThat(files).containsExactly(unrelated);
		}
	}

	@Test
	void aRestoredMonthStaysInPostgresUntilARunNamesItThenItsCopyIsReplacedByWhatThePartitionHoldsNow(
			CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("rearchive");
		assertThat(servers.app("rearchive", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		ContentChecksum first = ArchiveTestServers.checksums(jdbc).get("health_score_2024_12");
		assertThat(servers.app("rearchive", NOW, null, "run", "restore", "--table=health_score", "--month=2024-12"))
			.isZero();
		// reprocessing the restored month (an algorithm upgrade, say) changes its scores
		assertThat(jdbc
			.update("UPDATE health_score SET score = score / 2 WHERE score_date = '2024-12-30'" + " AND score > 1"))
			.isPositive();
		ContentChecksum changed = ArchiveTestServers.checksums(jdbc).get("health_score_2024_12");
		assertThat(changed).isNotEqualTo(first);

		// the nightly run leaves a restored month alone, and says how to archive it again
		assertThat(servers.app("rearchive", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		assertThat(states(jdbc)).containsExactly("DETACHED", "RESTORED");
		assertThat(output).contains("left health_score_2024_12 in PostgreSQL: restored at ")
			.contains("run archive --rearchive=2024-12 archives it again");

		// a month no table of which is restored, or one the run does not archive, is
		// refused before anything starts
		long executions = count(jdbc, "batch_job_execution");
		assertThat(servers.app("rearchive", NOW, null, "run", "archive", "--before=2025-01", "--rearchive=2024-11"))
			.isEqualTo(2);
		assertThat(output).contains("Cannot archive 2024-11 again (--rearchive): no table of that month is restored"
				+ " (health_reading 2024-11: never archived; health_score 2024-11: never archived)");
		assertThat(servers.app("rearchive", NOW, null, "run", "archive", "--before=2025-01",
				"--rearchive=2024-12,2025-01"))
			.isEqualTo(2);
		assertThat(output).contains("Cannot archive 2025-01 again (--rearchive): the run archives the months before"
				+ " 2025-01 only; give --before=2025-02 or a later month to archive it; nothing was started");
		assertThat(count(jdbc, "batch_job_execution")).as("nothing started").isEqualTo(executions);
		assertThat(states(jdbc)).containsExactly("DETACHED", "RESTORED");

		assertThat(servers.app("rearchive", NOW, null, "run", "archive", "--before=2025-01", "--rearchive=2024-12"))
			.isZero();
		assertThat(states(jdbc)).containsExactly("DETACHED", "DETACHED");
		assertThat(attached(jdbc)).doesNotContain("health_score_2024_12", "health_reading_2024_12");
		Map<String, Object> entry = jdbc.queryForMap(
				"SELECT row_count, checksum, restored_at, detached_at FROM archive_ledger WHERE partition_name = ?",
				"health_score_2024_12");
		assertThat(ContentChecksum.of((Long) entry.get("row_count"), (String) entry.get("checksum")))
			.as("the copy read back from S3 holds the changed scores")
			.isEqualTo(changed);
		assertThat(entry.get("restored_at")).isNotNull();
		assertThat(((Timestamp) entry.get("detached_at")).toInstant()).isEqualTo(NOW);
		ArchiveManifest manifest = new ArchiveManifests(servers.s3(), new ArchiveLayout(BUCKET, "rearchive"))
			.read(ArchiveTable.HEALTH_SCORE, YearMonth.of(2024, 12));
		assertThat(manifest.checksum()).isEqualTo(changed.checksum());
		Set<String> keys = new TreeSet<>(manifest.files().stream().map(ArchiveManifest.ArchiveFile::key).toList());
		keys.add("rearchive/health_score/month=2024-12/_manifest.json");
		assertThat(servers.objects("rearchive")).filteredOn((key) -> key.contains("/health_score/month=2024-12/"))
			.as("the copy replaced, nothing left of the first")
			.containsExactlyElementsOf(keys);

		// and what comes back is the changed month
		assertThat(servers.app("rearchive", NOW, null, "run", "restore", "--table=health_score", "--month=2024-12"))
			.isZero();
		assertThat(ArchiveTestServers.checksums(jdbc).get("health_score_2024_12")).isEqualTo(changed);
	}

	@Test
	void aMonthInItsFirstArchiveIsNoMonthToArchiveAgainWhileARestoredOneBeingArchivedAgainIs(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("rearchiveagain");
		assertThat(servers.app("rearchiveagain", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		assertThat(
				servers.app("rearchiveagain", NOW, null, "run", "restore", "--table=health_score", "--month=2024-12"))
			.isZero();
		// January archived for the first time: detached, kept for the grace period
		assertThat(servers.app("rearchiveagain", NOW, null, "run", "archive", "--before=2025-02")).isZero();
		assertThat(states(jdbc)).containsExactly("DETACHED", "DETACHED", "RESTORED", "DETACHED");

		// 2025-01 typed for 2024-12: no table of January was ever restored
		long executions = count(jdbc, "batch_job_execution");
		assertThat(
				servers.app("rearchiveagain", NOW, null, "run", "archive", "--before=2025-02", "--rearchive=2025-01"))
			.isEqualTo(2);
		assertThat(output).contains("Cannot archive 2025-01 again (--rearchive): no table of that month is restored"
				+ " (health_reading 2025-01: DETACHED; health_score 2025-01: DETACHED)");
		assertThat(count(jdbc, "batch_job_execution")).as("nothing started").isEqualTo(executions);

		// December's archive again fails after its export; the same command goes on with
		// it, and is let through again while the month is kept detached
		assertThat(servers.app("rearchiveagain", NOW, ArchiveTestServers.crashAfter(ArchiveState.EXPORTED), "run",
				"archive", "--before=2025-02", "--rearchive=2024-12"))
			.isEqualTo(1);
		assertThat(states(jdbc)).containsExactly("DETACHED", "DETACHED", "EXPORTED", "DETACHED");
		assertThat(
				servers.app("rearchiveagain", NOW, null, "run", "archive", "--before=2025-02", "--rearchive=2024-12"))
			.isZero();
		assertThat(states(jdbc)).containsOnly("DETACHED").hasSize(4);
		assertThat(
				servers.app("rearchiveagain", NOW, null, "run", "archive", "--before=2025-02", "--rearchive=2024-12"))
			.isZero();
	}

	@Test
	void aRestoreThatS3RefusesSaysWhichObjectAndEndpointChangesNothingAndTheSameCommandRestoresLater(
			CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("refused");
		assertThat(servers.app("refused", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		String secret = System.getProperty("aws.secretAccessKey");
		System.setProperty("aws.secretAccessKey", "not-the-secret");
		try {
			assertThat(servers.app("refused", NOW, null, "run", "restore", "--table=health_score", "--month=2024-12"))
				.isEqualTo(1);
		}
		finally {
			System.setProperty("aws.secretAccessKey", secret);
		}
		// the SDK alone says 'Forbidden (Service: S3, Status Code: 403 …)': not which
		// bucket, key or endpoint an operator has to look at
		String refused = "S3 ListObjectsV2 s3://" + BUCKET + "/refused/health_score/month=2024-12/_manifest.json at "
				+ servers.s3Server().endpoint() + " failed: SignatureDoesNotMatch: ";
		assertThat(output).containsPattern(
				"ERROR .* : restore execution \\d+ ended FAILED; exit code 1: S3Exception: " + Pattern.quote(refused));
		assertThat(jdbc.queryForMap("SELECT state, last_error FROM archive_ledger WHERE partition_name = ?",
				"health_score_2024_12"))
			.containsEntry("state", "DETACHED")
			.hasEntrySatisfying("last_error", (error) -> assertThat((String) error).startsWith(refused));
		assertThat(attached(jdbc)).doesNotContain("health_score_2024_12");
		assertThat(servers.app("refused", NOW, null, "run", "restore", "--table=health_score", "--month=2024-12"))
			.isZero();
		assertRestoredExactly(jdbc, ARCHIVED.get(2));
	}

	@Test
	void anArchiveWithoutARegionSaysWhichSettingToSet(CapturedOutput output) {
		assumeTrue(System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null,
				"no region in the environment");
		JdbcTemplate jdbc = servers.database("no_region");
		// not the instance metadata service, which a build on EC2 would have
		System.setProperty("aws.disableEc2Metadata", "true");
		try {
			for (String job : new String[] { "archive", "restore" }) {
				String[] args = job.equals("archive") ? new String[] { "run", "archive" }
						: new String[] { "run", "restore", "--table=health_score", "--month=2024-12" };
				assertThat(servers.appWithoutStorage("no_region", NOW, null,
						with(args, "--healthscore.archive.endpoint=" + servers.s3Server().endpoint(),
								"--healthscore.archive.bucket=" + BUCKET)))
					.as(job)
					.isEqualTo(2);
				assertThat(output).contains("Cannot run " + job + ": Cannot find the AWS region of the archive bucket "
						+ BUCKET + ": set healthscore.archive.region (or AWS_REGION); nothing was started");
			}
		}
		finally {
			System.clearProperty("aws.disableEc2Metadata");
		}
		assertThat(archiveRuns(jdbc)).as("nothing started").isZero();
		assertThat(attached(jdbc)).containsAll(names());
	}

	@Test
	void anAwsRegionThatCannotBeRightIsRefusedBeforeAnythingStarts(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("bad_region");
		// no endpoint: AWS, where the typo would be a host name that does not resolve
		assertThat(servers.appWithoutStorage("bad_region", NOW, null, "run", "archive",
				"--healthscore.archive.bucket=" + BUCKET, "--healthscore.archive.region=eu-wst-1"))
			.isEqualTo(2);
		assertThat(output).contains("Cannot run archive: Invalid healthscore.archive.region, not an AWS region this"
				+ " build's SDK knows (such as eu-west-1 or us-east-1; check its spelling): eu-wst-1. A region newer"
				+ " than this build: leave healthscore.archive.region unset and set AWS_REGION=eu-wst-1, which is not"
				+ " checked, or also set healthscore.archive.endpoint=https://s3.eu-wst-1.amazonaws.com; nothing was"
				+ " started");
		assertThat(servers.appWithoutStorage("bad_region", NOW, null, "run", "restore", "--table=health_score",
				"--month=2024-12", "--healthscore.archive.bucket=" + BUCKET, "--healthscore.archive.region="))
			.isEqualTo(2);
		assertThat(output)
			.contains("Cannot run restore: Invalid healthscore.archive.region (HEALTHSCORE_ARCHIVE_REGION),"
					+ " must not be blank");
		// the commands that do not use the archive do not look at it
		assertThat(
				servers.appWithoutStorage("bad_region", NOW, null, "status", "--healthscore.archive.bucket=" + BUCKET,
						"--healthscore.archive.region=eu-wst-1", "--healthscore.archive.sort-directory=/proc/version"))
			.isZero();
		assertThat(archiveRuns(jdbc)).as("nothing started").isZero();
	}

	@Test
	void aSortDirectoryThatCannotBeWrittenIsRefusedBeforeAnythingStarts(@TempDir Path directory, CapturedOutput output)
			throws Exception {
		JdbcTemplate jdbc = servers.database("sort_refused");
		Path file = Files.createFile(directory.resolve("file"));
		assertThat(servers.app("sort_refused", NOW, null, "run", "archive", "--before=2025-01",
				"--healthscore.archive.sort-directory=" + file))
			.isEqualTo(2);
		assertThat(output).contains("Cannot run archive: invalid healthscore.archive.sort-directory=" + file
				+ ": it is not a directory. Give healthscore.archive.sort-directory a directory this process can"
				+ " write to, where an export sorts a user with more than healthscore.archive.sort-buffer-rows=500000"
				+ " rows; nothing was started");
		assertThat(servers.app("sort_refused", NOW, null, "run", "archive", "--dry-run", "--before=2025-01",
				"--healthscore.archive.sort-directory=" + file.resolve("sort")))
			.isEqualTo(2);
		assertThat(output)
			.contains("Cannot run archive: invalid healthscore.archive.sort-directory=" + file.resolve("sort")
					+ ": it does not exist, and cannot be created: " + file + " is not a directory")
			.doesNotContain("Archive dry run at");
		// restore sorts nothing
		assertThat(servers.app("sort_refused", NOW, null, "run", "restore", "--table=health_score", "--month=2024-12",
				"--healthscore.archive.sort-directory=" + file))
			.isEqualTo(2);
		assertThat(output).contains("the archive ledger has no entry for it");
		assertThat(archiveRuns(jdbc)).as("nothing started").isZero();
		assertThat(attached(jdbc)).containsAll(names());
	}

	@Test
	void aConfiguredDatabaseIsNotArchivedToTheInProcessS3ServerWhoseObjectsDieWithTheProcess(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("transient");
		assertThat(servers.appWithoutStorage("transient", NOW, null, "run", "archive",
				"--healthscore.archive.grace-period=0s"))
			.isEqualTo(2);
		assertThat(output).contains(
				"Cannot run archive: Cannot use the in-process S3 server (objects in memory, lost when the process"
						+ " exits) with a configured database (spring.datasource.url): set healthscore.archive.bucket");
		assertThat(attached(jdbc)).containsAll(names());
		assertThat(jdbc.queryForObject("SELECT count(*) FROM archive_ledger", Integer.class)).isZero();
		assertThat(archiveRuns(jdbc)).as("nothing started").isZero();
		// nor does the scheduler start, whose monthly archive would be refused a month on
		assertThat(assertTimeoutPreemptively(Duration.ofMinutes(1), () -> servers.appWithoutStorage("transient", NOW,
				null, "scheduler", "--healthscore.scheduler.health-port=0")))
			.isEqualTo(2);
		assertThat(output).contains("Cannot start the scheduler: schedule archive-monthly would be refused at each"
				+ " firing: Cannot run archive: Cannot use the in-process S3 server");
	}

	@Test
	void aScheduledTimeAfterTheClocksMonthArchivesNothingOfTheMonthsStillWritten(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("future");
		// a scheduled time in the future (a typo, a wrong clock upstream) must not move
		// the hot window past the month the app still writes, which the clock says is
		// March
		assertThat(servers.app("future", NOW, null, "run", "archive", "--hot-months=1",
				"--scheduled-time=2026-06-15T00:00:00Z"))
			.isEqualTo(2);
		assertThat(output).contains("Cannot archive the months before 2026-05 at the scheduled time"
				+ " 2026-06-15T00:00:00Z: the current month is 2026-03");
		assertThat(attached(jdbc)).containsAll(names());
		assertThat(jdbc.queryForObject("SELECT count(*) FROM archive_ledger", Integer.class)).isZero();
	}

	@Test
	void aRecomputeOrReconcileThatWouldReadAnArchivedMonthIsRefusedUntilItIsRestored(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("reads_archived");
		assertThat(servers.app("reads_archived", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		assertThat(states(jdbc)).containsOnly("DETACHED").hasSize(2);
		long executions = count(jdbc, "batch_job_execution");
		// January's first days read December's readings for their baseline
		assertThat(servers.app("reads_archived", NOW, null, "run", "recompute", "--from=2025-01-05", "--to=2025-02-10"))
			.isEqualTo(2);
		assertThat(output)
			.contains("Cannot run recompute over 2025-01-05..2025-02-10: it reads the readings from"
					+ " 2024-12-08 (the 28-day baseline before 2025-01-05)")
			.contains("health_reading 2024-12 (DETACHED: run restore --table=health_reading --month=2024-12)")
			.contains(
					"Restore them first, or run only days from 2025-01-30 on (--from=2025-01-30); nothing was started");
		assertThat(servers.app("reads_archived", NOW, null, "run", "reconcile", "--from=2024-12-29", "--to=2025-01-02",
				"--full"))
			.isEqualTo(2);
		assertThat(output).contains("Cannot run reconcile over 2024-12-29..2025-01-02")
			.contains("health_score 2024-12 (DETACHED: run restore --table=health_score --month=2024-12)")
			// its first day that reads no archived month is after its --to: no --from to
			// suggest (--from=2025-01-30 with --to=2025-01-02 is a reversed range)
			.contains("Restore them first: every day of the range reads them (the first day that reads no archived"
					+ " month is 2025-01-30); nothing was started");
		assertThat(count(jdbc, "batch_job_execution")).as("nothing started").isEqualTo(executions);
		assertThat(attached(jdbc)).doesNotContain("health_score_2024_12", "health_reading_2024_12");
		// days whose baseline is after the archived month run
		assertThat(servers.app("reads_archived", NOW, null, "run", "recompute", "--from=2025-01-30", "--to=2025-02-05"))
			.isZero();
		// and, once the month is back, the refused ones too
		assertThat(
				servers.app("reads_archived", NOW, null, "run", "restore", "--table=health_reading", "--month=2024-12"))
			.isZero();
		assertThat(servers.app("reads_archived", NOW, null, "run", "recompute", "--from=2025-01-05", "--to=2025-01-10"))
			.isZero();
		assertThat(servers.app("reads_archived", NOW, null, "run", "reconcile", "--from=2024-12-29", "--to=2025-01-02"))
			.as("its scores are still archived")
			.isEqualTo(2);
	}

	@Test
	void monthsTheNightlyStillReadsAreArchivedOnlyWhenAllowed(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("recent");
		long executions = count(jdbc, "batch_job_execution");
		// on 2026-03-15 the nightly reconcile (30 days back) and its 28-day baseline read
		// back to 2026-01-15
		assertThat(servers.app("recent", NOW, null, "run", "archive", "--hot-months=1")).isEqualTo(2);
		assertThat(output)
			.contains("Cannot archive the months before 2026-02: the nightly recompute and reconcile"
					+ " read back to 2026-01-15 (30 days back and the 28-day baseline)")
			.contains("Archive the months before 2026-01 at the latest (--before=2026-01 or --hot-months=2),"
					+ " or give --allow-recent");
		assertThat(servers.app("recent", NOW, null, "run", "archive", "--before=2026-03")).isEqualTo(2);
		assertThat(jdbc.queryForObject("SELECT count(*) FROM archive_ledger", Integer.class)).isZero();
		assertThat(count(jdbc, "batch_job_execution")).as("nothing started").isEqualTo(executions);
		assertThat(servers.app("recent", NOW, null, "run", "archive", "--hot-months=1", "--allow-recent")).isZero();
		assertThat(states(jdbc)).containsOnly("DETACHED");
		assertThat(attached(jdbc)).doesNotContain("health_reading_2025_02", "health_score_2025_02");
	}

	@Test
	void thePartitionsJobCreatesMonthsAheadOnlyOnce() {
		JdbcTemplate jdbc = servers.database("ahead");
		int before = attached(jdbc).size();
		assertThat(servers.app("ahead", NOW, null, "run", "partitions", "--months-ahead=2")).isZero();
		assertThat(attached(jdbc)).hasSize(before + 6)
			.contains("health_reading_2026_03", "health_reading_2026_05", "health_score_2026_05");
		assertThat(servers.app("ahead", NOW, null, "run", "partitions", "--months-ahead=2")).isZero();
		assertThat(attached(jdbc)).hasSize(before + 6);
		assertThat(servers.app("ahead", NOW, null, "run", "partitions")).isZero();
		assertThat(attached(jdbc)).hasSize(before + 8)
			.contains("health_score_2026_06")
			.doesNotContain("health_score_2026_07");
		// a scheduled run counts from its scheduled time, not from the clock
		assertThat(servers.app("ahead", NOW, null, "run", "partitions", "--months-ahead=3",
				"--scheduled-time=2026-05-01T01:30:00Z"))
			.isZero();
		assertThat(attached(jdbc)).hasSize(before + 12)
			.contains("health_reading_2026_08")
			.doesNotContain("health_reading_2026_09");
	}

	/**
	 * A partitions run whose scheduled time lay in an archived month (given by hand, or
	 * kept by the restart of an old run) created the dropped month's partition again: the
	 * month's restore was then refused, and recompute could write into it.
	 */
	@Test
	void thePartitionsJobLeavesAMonthTheArchiveTookOutAloneWhateverItsScheduledTime(CapturedOutput output) {
		JdbcTemplate jdbc = servers.database("behind");
		assertThat(servers.app("behind", NOW, null, "run", "archive", "--before=2025-01")).isZero();
		assertThat(servers.app("behind", NOW.plus(Duration.ofDays(8)), null, "run", "archive", "--before=2025-01"))
			.isZero();
		assertThat(states(jdbc)).containsOnly("DROPPED").hasSize(2);
		// a month the archive works on but has not detached yet is still in PostgreSQL:
		// no warning sends its operator to a restore that would be refused
		jdbc.update("INSERT INTO archive_ledger (table_name, month, partition_name, state)"
				+ " VALUES ('health_score', '2025-01-01', 'health_score_2025_01', 'VERIFIED')");
		assertThat(servers.app("behind", NOW.plus(Duration.ofDays(8)), null, "run", "partitions", "--months-ahead=2",
				"--scheduled-time=2024-11-01T00:00:00Z"))
			.isZero();
		assertThat(output).doesNotContain("2025-01 of health_score not created");
		jdbc.update("DELETE FROM archive_ledger WHERE month = '2025-01-01'");
		assertThat(attached(jdbc)).contains("health_reading_2024_11", "health_score_2024_11", "health_reading_2025_01")
			.doesNotContain("health_reading_2024_12", "health_score_2024_12");
		assertThat(jdbc.queryForList("SELECT to_regclass(?)::text", String.class, "health_reading_2024_12"))
			.containsOnlyNulls();
		assertThat(output).contains("2024-12 of health_reading not created: the archive ledger says DROPPED (its rows"
				+ " are archived; run restore --table=health_reading --month=2024-12 brings them back)");
		assertThat(servers.app("behind", NOW.plus(Duration.ofDays(8)), null, "run", "restore", "--table=health_reading",
				"--month=2024-12"))
			.isZero();
		assertRestoredExactly(jdbc, ARCHIVED.get(0));
	}

	static void assertRestoredExactly(JdbcTemplate jdbc, Partition partition) {
		String columns = (partition.table().tableName().equals("health_reading"))
				? "user_id, metric, recorded_at, float8send(value), source, ingested_at"
				: "user_id, score_date, score, activity_score, sleep_score, heart_score, float4send(completeness),"
						+ " algorithm_version, inputs_as_of, computed_at, input_count, input_hash, row_hash";
		String original = "original_" + partition.name();
		String parent = partition.table().tableName();
		String range = (parent.equals("health_reading"))
				? "recorded_at >= '%s-01 00:00:00+00'".formatted(partition.month())
						+ " AND recorded_at < '%s-01 00:00:00+00'".formatted(partition.month().plusMonths(1))
				: "score_date >= '%s-01' AND score_date < '%s-01'".formatted(partition.month(),
						partition.month().plusMonths(1));
		String restored = "(SELECT * FROM " + parent + " WHERE " + range + ") r";
		assertThat(count(jdbc, original)).isPositive();
		assertThat(jdbc.queryForObject("SELECT count(*) FROM ((SELECT " + columns + " FROM " + original
				+ " EXCEPT ALL SELECT " + columns + " FROM " + restored + ") UNION ALL (SELECT " + columns + " FROM "
				+ restored + " EXCEPT ALL SELECT " + columns + " FROM " + original + ")) d", Long.class))
			.isZero();
	}

	static void assertLedgerHolds(JdbcTemplate jdbc, Map<String, ContentChecksum> source) {
		for (Partition partition : ARCHIVED) {
			Map<String, Object> row = jdbc.queryForMap(
					"SELECT row_count, checksum FROM archive_ledger WHERE partition_name = ?", partition.name());
			assertThat(ContentChecksum.of((Long) row.get("row_count"), (String) row.get("checksum")))
				.as(partition.name())
				.isEqualTo(source.get(partition.name()));
		}
	}

	static List<String> states(JdbcTemplate jdbc) {
		return jdbc.queryForList("SELECT state FROM archive_ledger ORDER BY table_name, month", String.class);
	}

	static List<String> attached(JdbcTemplate jdbc) {
		return jdbc.queryForList(
				"SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
						+ " WHERE i.inhparent IN ('health_reading'::regclass, 'health_score'::regclass) ORDER BY 1",
				String.class);
	}

	static List<String> names() {
		return ARCHIVED.stream().map(Partition::name).toList();
	}

	/**
	 * Job executions of archive and restore: none in the data set the tests start from.
	 */
	private static long archiveRuns(JdbcTemplate jdbc) {
		return jdbc.queryForObject(
				"SELECT count(*) FROM batch_job_execution e JOIN batch_job_instance i"
						+ " ON i.job_instance_id = e.job_instance_id WHERE i.job_name IN ('archive', 'restore')",
				Long.class);
	}

	private static String[] with(String[] args, String... more) {
		return Stream.concat(Stream.of(args), Stream.of(more)).toArray(String[]::new);
	}

	static long count(JdbcTemplate jdbc, String table) {
		return jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class);
	}

}
