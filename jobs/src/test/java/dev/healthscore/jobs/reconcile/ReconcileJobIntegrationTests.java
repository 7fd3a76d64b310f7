package dev.healthscore.jobs.reconcile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.AppProcess;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.ScoreAssertions;
import dev.healthscore.jobs.cli.JobTimes;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs the real command line against a real PostgreSQL: a generated data set scored by
 * {@code recompute} is made inaccurate in every way the issue lists, then reconciled, and
 * every score is checked against an independent SQL computation of the definition.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReconcileJobIntegrationTests {

	private static final LocalDate LAST = LocalDate.parse("2025-03-10");

	private static final LocalDate FIRST = LAST.minusDays(39);

	private static final LocalDate DAY = LAST.minusDays(10);

	private static final long NEW_USER = 5001;

	/**
	 * The scored data set, and the checkpoint of the recompute that scored every user.
	 * Users before their readings, as the generator writes them: a user inserted while
	 * readings of theirs exist is logged as created.
	 */
	private static final List<String> BASELINE = List.of("app_user", "health_reading", "health_score",
			"quarantined_reading", "reconcile_checkpoint");

	private static TemporaryPostgres postgres;

	private static HikariDataSource dataSource;

	private static JdbcTemplate jdbc;

	private final ReconcileScenario scenario = new ReconcileScenario(dataSource);

	private List<Long> users;

	@BeforeAll
	static void generateAndRecompute() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
		dataSource.setUsername("postgres");
		jdbc = new JdbcTemplate(dataSource);
		assertThat(app("generate", "--users=80", "--days=45", "--seed=11", "--end=" + LAST)).isZero();
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		assertThat(jdbc.queryForList(
				"SELECT written_by || ' ' || first_day || '..' || last_day FROM reconcile_checkpoint", String.class))
			.containsExactly("recompute " + FIRST + ".." + LAST);
		for (String table : BASELINE) {
			jdbc.execute("CREATE TABLE baseline_%s AS SELECT * FROM %s".formatted(table, table));
		}
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		postgres.close();
	}

	@BeforeEach
	void restoreTheScoredDataSet() {
		jdbc.execute("TRUNCATE health_reading, app_user, health_score, quarantined_reading, score_correction, "
				+ "reconcile_checkpoint, score_input_change, reconcile_suspect");
		for (String table : BASELINE) {
			jdbc.execute("INSERT INTO %s SELECT * FROM baseline_%s".formatted(table, table));
		}
		this.users = this.scenario.liveUsers();
	}

	@Test
	void reconcileCorrectsEveryKindOfInaccuracyAuditsEachOnceAndThenFindsNothing(@TempDir Path dir) {
		this.scenario.lateReading(user(0), "steps", DAY, "12:00", 30_000);
		this.scenario.lateReading(user(1), "active_minutes", DAY.minusDays(3), "09:00", 200);
		this.scenario.lateReading(user(2), "sleep_minutes", DAY.minusDays(5), "07:30", 900);
		this.scenario.lateReading(user(3), "heart_rate", DAY, "10:00", 99);
		this.scenario.lateReading(user(4), "steps", DAY, "13:00", Double.NaN);
		long heartUser = this.scenario.restingHeartRateUser(this.users.subList(0, 12));
		LocalDate heartDay = LAST.minusDays(20);
		this.scenario.lateReading(heartUser, "resting_heart_rate", heartDay, "06:00", 26);
		assertThat(this.scenario.deleteReadings(user(5), "steps", DAY.minusDays(1))).isPositive();
		assertThat(this.scenario.deleteDay(user(6), DAY.minusDays(2))).isPositive();
		this.scenario.newUser(NEW_USER, LAST.minusDays(1), LAST);
		this.scenario.softDelete(user(7));
		this.scenario.hardDelete(user(8));
		this.scenario.changeStepGoal(user(10), 20_000);
		assertThat(this.scenario.changeValues(user(11), "steps", DAY.minusDays(4), 2.0)).isPositive();
		this.scenario.snapshotScores();
		Path report = dir.resolve("reports/first.json");
		assertThat(reconcile("--report=" + report)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		long job = this.scenario.lastReconcile();
		List<String> changed = this.scenario.changedRows();
		assertThat(changed).hasSizeGreaterThan(2 * 40);
		assertThat(this.scenario.corrections(job)).isEqualTo(changed);
		JsonNode json = ReconcileScenario.readReport(report);
		assertThat(json.get("corrected").asLong()).isEqualTo(changed.size());
		// no replica configured: every block from the primary
		assertThat(json.get("blocksReadFromPrimary").asLong()).isPositive().isEqualTo(json.get("blocksRead").asLong());
		assertThat(fieldNames(json.get("suspectsByReason"))).containsExactlyInAnyOrder("late_data", "deleted_input",
				"changed_input", "user_deleted", "user_changed");
		assertThat(fieldNames(json.get("correctionsByReason"))).contains("late_data", "deleted_input", "missing_score",
				"orphan_score", "user_deleted", "user_changed");
		assertThat(this.scenario.correctedDays(job, user(0))).isSubsetOf(DAY);
		assertThat(this.scenario.correctedDays(job, user(2))).containsExactly(DAY.minusDays(5));
		assertThat(this.scenario.correctedDays(job, user(3))).isEmpty();
		assertThat(this.scenario.correctedDays(job, heartUser))
			.allMatch((day) -> !day.isBefore(heartDay) && !day.isAfter(heartDay.plusDays(28)))
			.anyMatch((day) -> day.isAfter(heartDay));
		assertThat(this.scenario.count("SELECT count(*) FROM quarantined_reading WHERE source = 'late-band'")).isOne();
		Path second = dir.resolve("second.json");
		assertThat(reconcile("--report=" + second)).isZero();
		assertThat(ReconcileScenario.readReport(second).get("corrected").asLong()).isZero();
		assertThat(ReconcileScenario.readReport(second).get("refreshed").asLong()).isZero();
		assertThat(this.scenario.count("SELECT count(*) FROM score_correction")).isEqualTo(changed.size());
	}

	@Test
	void incrementalReconcileRecreatesScoresDeletedByHandAuditsEachOnceAndThenFindsNothing(@TempDir Path dir) {
		List<Long> some = List.of(user(0), user(1), user(2), user(3), user(4));
		List<String> deleted = new ArrayList<>(
				this.scenario.deleteScoresByHand("health_score", "user_id = ANY(?) AND score_date IN (?, ?, ?, ?)",
						some.toArray(Long[]::new), FIRST, DAY.minusDays(3), DAY, LAST));
		assertThat(deleted).hasSizeGreaterThan(3 * some.size());
		// a whole day of every user, addressed to its partition directly
		LocalDate wholeDay = DAY.minusDays(7);
		List<String> day = this.scenario.deleteScoresByHand(
				"health_score_" + wholeDay.toString().substring(0, 7).replace('-', '_'), "score_date = ?", wholeDay);
		assertThat(day).hasSizeGreaterThan(this.users.size() / 2);
		deleted.addAll(day);
		deleted.sort(null);
		assertThat(this.scenario.count("SELECT count(*) FROM score_input_change WHERE change = 'score_deleted'"))
			.isEqualTo(deleted.size());
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isNotEmpty();
		Path report = dir.resolve("first.json");
		assertThat(reconcile("--report=" + report)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		long job = this.scenario.lastReconcile();
		assertThat(this.scenario.corrections(job)).isEqualTo(deleted);
		// the whole day has no row left, but the recompute's checkpoint covers it:
		// found by the deletions' log alone
		assertThat(jdbc.queryForList(
				"SELECT DISTINCT array_to_string(reasons, ',') || (score_date = ?)::text FROM score_correction",
				String.class, wholeDay))
			.containsExactlyInAnyOrder("missing_score,score_deletedfalse", "missing_score,score_deletedtrue");
		assertThat(this.scenario.count("SELECT count(*) FROM score_correction WHERE old_score IS NOT NULL")).isZero();
		JsonNode json = ReconcileScenario.readReport(report);
		assertThat(json.get("corrected").asLong()).isEqualTo(deleted.size());
		assertThat(fieldNames(json.get("suspectsByReason"))).containsExactlyInAnyOrder("score_deleted");
		assertASecondRunFindsNothing(dir);
		assertThat(this.scenario.count("SELECT count(*) FROM score_correction")).isEqualTo(deleted.size());
	}

	@Test
	void incrementalReconcileScoresDaysThatWereNeverScoredThoughTheirReadingsAreOld(@TempDir Path dir) {
		// as if recompute had never run for the range's last three days: no rows,
		// nothing logged, no checkpoint, and every reading ingested before the other
		// days' inputs_as_of
		List<String> unscored = this.scenario.neverScoredFrom(LAST.minusDays(2));
		assertThat(unscored).hasSizeGreaterThan(this.users.size());
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isNotEmpty();
		Path report = dir.resolve("first.json");
		assertThat(reconcile("--report=" + report)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.corrections(this.scenario.lastReconcile())).isEqualTo(unscored);
		assertThat(
				jdbc.queryForList("SELECT DISTINCT array_to_string(reasons, ',') FROM score_correction", String.class))
			.containsExactly("missing_score,unscored_day");
		assertThat(fieldNames(ReconcileScenario.readReport(report).get("suspectsByReason")))
			.containsExactly("unscored_day");
		assertASecondRunFindsNothing(dir);
	}

	@Test
	void incrementalReconcileFindsTheUsersAPartialRecomputeLeftOutThoughTheirReadingsAreOld(@TempDir Path dir) {
		// the range's last five days scored for a few listed users only, as by
		// `recompute --users=...` on days that no complete run covered: the other users'
		// readings are older than every row of those days
		LocalDate first = LAST.minusDays(4);
		List<String> leftOut = this.scenario.neverScoredFrom(first);
		List<Long> listed = this.users.subList(0, 3);
		String ids = listed.stream().map(String::valueOf).collect(Collectors.joining(","));
		assertThat(app("run", "recompute", "--from=" + first, "--to=" + LAST, "--users=" + ids)).isZero();
		leftOut.removeIf((row) -> listed.stream().anyMatch((user) -> row.startsWith(user + "|")));
		assertThat(leftOut).hasSizeGreaterThan(this.users.size());
		// a partial run covers nothing
		assertThat(this.scenario.count("SELECT count(*) FROM reconcile_checkpoint")).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isNotEmpty();
		Path report = dir.resolve("first.json");
		assertThat(reconcile("--report=" + report)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.corrections(this.scenario.lastReconcile())).isEqualTo(leftOut);
		assertThat(fieldNames(ReconcileScenario.readReport(report).get("suspectsByReason")))
			.containsExactly("unscored_day");
		assertASecondRunFindsNothing(dir);
	}

	@Test
	void aRecomputeByShardsCoversItsDaysOnceEveryShardHasRun(@TempDir Path dir) {
		// the range's last five days lost their rows, and no checkpoint covers anything
		LocalDate first = LAST.minusDays(4);
		List<String> deleted = this.scenario.neverScoredFrom(first);
		// the first of two shards scores them again: its users only
		assertThat(app("run", "recompute", "--from=" + first, "--to=" + LAST, "--shard=0/2")).isZero();
		assertThat(jdbc.queryForList(
				"SELECT written_by || ' ' || shard_index || '/' || shard_count || ' ' || first_day FROM reconcile_checkpoint",
				String.class))
			.containsExactly("recompute 0/2 " + first);
		List<String> leftOut = deleted.stream()
			.filter((row) -> Math.floorMod(Long.parseLong(row.substring(0, row.indexOf('|'))), 2L) == 1)
			.toList();
		assertThat(leftOut).isNotEmpty().hasSizeLessThan(deleted.size());
		Path report = dir.resolve("first.json");
		assertThat(reconcile("--report=" + report)).isZero();
		// one shard of two covers nothing: the other shard's users are found
		assertThat(ReconcileScenario.readReport(report).get("changesBasis").asString())
			.contains("days no checkpoint covers");
		assertThat(this.scenario.corrections(this.scenario.lastReconcile())).isEqualTo(leftOut);
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		// both shards of a later run cover the days: nothing is looked for there
		jdbc.update("DELETE FROM reconcile_checkpoint");
		assertThat(app("run", "recompute", "--from=" + first, "--to=" + LAST, "--shard=1/2")).isZero();
		assertThat(app("run", "recompute", "--from=" + first, "--to=" + LAST, "--shard=0/2")).isZero();
		Path second = dir.resolve("second.json");
		assertThat(app("run", "reconcile", "--from=" + first, "--to=" + LAST, "--report=" + second)).isZero();
		JsonNode json = ReconcileScenario.readReport(second);
		assertThat(json.get("changesBasis").asString()).doesNotContain("no checkpoint covers")
			.startsWith("5 of 5 days covered");
		assertThat(json.get("suspects").asLong()).isZero();
	}

	@Test
	void aLateReadingOnADayWithoutAScoreIsFoundThoughALateRestingHeartRateDaysBeforeReachesThatDayToo() {
		long user = user(0);
		// a day without readings and without a row, accurate as it is
		assertThat(this.scenario.deleteDay(user, DAY)).isPositive();
		assertThat(this.scenario.deleteScoresByHand("health_score", "user_id = ? AND score_date = ?", user, DAY))
			.hasSize(1);
		jdbc.execute("TRUNCATE score_input_change");
		assertThat(reconcile()).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		// both changes reach the day: the steps on it, the resting heart rate's baseline
		// three days later
		this.scenario.lateReading(user, "steps", DAY, "12:00", 9_000);
		this.scenario.lateReading(user, "resting_heart_rate", DAY.minusDays(3), "06:00", 58);
		this.scenario.snapshotScores();
		assertThat(reconcile()).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.changedRows()).contains(user + "|" + DAY);
	}

	@Test
	void theScoreJobsOwnDeletesAreNotLoggedAsMissingScores() {
		assertThat(this.scenario.deleteDay(user(6), DAY)).isPositive();
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		assertThat(this.scenario.count("SELECT count(*) FROM health_score WHERE user_id = ? AND score_date = ?",
				user(6), DAY))
			.isZero();
		assertThat(this.scenario.deleteDay(user(7), DAY)).isPositive();
		assertThat(reconcile()).isZero();
		assertThat(this.scenario.count("SELECT count(*) FROM health_score WHERE user_id = ? AND score_date = ?",
				user(7), DAY))
			.isZero();
		assertThat(this.scenario.count("SELECT count(*) FROM score_correction WHERE reasons @> ARRAY['orphan_score']"))
			.isOne();
		assertThat(this.scenario.count("SELECT count(*) FROM score_input_change WHERE change = 'score_deleted'"))
			.isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	@Test
	void dryRunReportsWhatItWouldCorrectAndLeavesEveryTableByteIdentical(@TempDir Path dir) {
		this.scenario.lateReading(user(2), "sleep_minutes", DAY, "07:30", 900);
		this.scenario.deleteDay(user(6), DAY.minusDays(2));
		this.scenario.softDelete(user(7));
		Map<String, String> before = this.scenario.digests();
		Path report = dir.resolve("dry.json");
		assertThat(reconcile("--dry-run", "--full", "--upgrade-version", "--report=" + report)).isZero();
		assertThat(this.scenario.digests()).isEqualTo(before);
		JsonNode json = ReconcileScenario.readReport(report);
		assertThat(json.get("dryRun").asBoolean()).isTrue();
		long wouldCorrect = json.get("corrected").asLong();
		assertThat(wouldCorrect).isGreaterThan(40);
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isNotEmpty();
		assertThat(reconcile()).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.count("SELECT count(*) FROM score_correction")).isEqualTo(wouldCorrect);
	}

	@Test
	void fullFindsATamperedScoreAndADeletionTheChangeLogMissed(@TempDir Path dir) throws Exception {
		Path clean = dir.resolve("clean.json");
		assertThat(reconcile("--full", "--report=" + clean)).isZero();
		assertThat(ReconcileScenario.readReport(clean).get("suspects").asLong()).isZero();
		jdbc.update(
				"""
						UPDATE health_score SET score = score + 1 WHERE (user_id, score_date) =
						  (SELECT user_id, score_date FROM health_score WHERE user_id = ? AND score < 100 ORDER BY score_date LIMIT 1)""",
				user(0));
		long watchUser = this.scenario.restingHeartRateUser(List.of(user(0)));
		assertThat(this.scenario.deleteReadingsUnlogged(watchUser, "steps", DAY)).isPositive();
		Path incremental = dir.resolve("incremental.json");
		assertThat(reconcile("--report=" + incremental)).isZero();
		assertThat(ReconcileScenario.readReport(incremental).get("suspects").asLong()).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).hasSize(2);
		Path full = dir.resolve("full.json");
		assertThat(reconcile("--full", "--report=" + full)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		JsonNode json = ReconcileScenario.readReport(full);
		assertThat(fieldNames(json.get("suspectsByReason"))).containsExactly("inputs_changed", "tampered");
		assertThat(json.get("corrected").asLong()).isEqualTo(2);
		assertThat(json.get("fullCheck").get("differingRanges").asInt()).isBetween(1, 2);
		assertThat(json.get("fullCheckReadFrom").asString()).isEqualTo("primary");
		Path again = dir.resolve("again.json");
		assertThat(reconcile("--full", "--report=" + again)).isZero();
		assertThat(ReconcileScenario.readReport(again).get("suspects").asLong()).isZero();
	}

	/**
	 * A deleted user's time zone is never read: every row of theirs is an orphan whatever
	 * it is. One that is no zone id ({@code UTC+3} is an offset) fails neither the
	 * detection, a reading of theirs that came after the deletion included, nor their
	 * block: their rows are deleted and audited as any deleted user's.
	 */
	@Test
	void incrementalReconcileDeletesTheScoresOfADeletedUserWhoseTimeZoneIsNoZoneId(@TempDir Path dir) {
		long deleted = user(7);
		List<String> rows = this.scenario.rows(deleted);
		assertThat(rows).hasSizeGreaterThan(30);
		this.scenario.softDelete(deleted);
		this.scenario.lateReading(deleted, "steps", DAY, "12:00", 5_000);
		this.scenario.setTimeZone(deleted, "UTC+3");
		this.scenario.lateReading(user(2), "sleep_minutes", DAY, "07:30", 900);
		this.scenario.snapshotScores();
		Path report = dir.resolve("first.json");
		assertThat(reconcile("--report=" + report)).isZero();
		long job = this.scenario.lastReconcile();
		assertThat(this.scenario.rows(deleted)).isEmpty();
		List<String> changed = this.scenario.changedRows();
		assertThat(changed).containsAll(rows).contains(user(2) + "|" + DAY).hasSize(rows.size() + 1);
		assertThat(this.scenario.corrections(job)).isEqualTo(changed);
		assertThat(this.scenario.count("""
				SELECT count(*) FROM score_correction
				WHERE user_id = ? AND new_score IS NULL AND reasons @> ARRAY['orphan_score', 'user_deleted']""",
				deleted))
			.isEqualTo(rows.size());
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertASecondRunCorrectsNothing(dir);
	}

	/**
	 * Days no checkpoint covers are looked for in every user's readings: a deleted user's
	 * are no inputs, and their time zone, no zone id, is not read.
	 */
	@Test
	void incrementalReconcileOfDaysNeverScoredPassesOverADeletedUserWhoseTimeZoneIsNoZoneId(@TempDir Path dir) {
		long deleted = user(7);
		List<String> unscored = this.scenario.neverScoredFrom(LAST.minusDays(2));
		List<String> rows = this.scenario.rows(deleted);
		assertThat(rows).isNotEmpty();
		this.scenario.softDelete(deleted);
		this.scenario.setTimeZone(deleted, "Mars/Base");
		List<String> expected = new ArrayList<>(rows);
		unscored.stream().filter((row) -> !row.startsWith(deleted + "|")).forEach(expected::add);
		expected.sort(null);
		assertThat(reconcile("--report=" + dir.resolve("first.json"))).isZero();
		assertThat(this.scenario.rows(deleted)).isEmpty();
		assertThat(this.scenario.corrections(this.scenario.lastReconcile())).isEqualTo(expected);
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertASecondRunCorrectsNothing(dir);
	}

	/**
	 * A user deleted and given a time zone that is no zone id where the change log does
	 * not see it: only the full check finds their rows, orphans, and they are deleted and
	 * audited.
	 */
	@Test
	void fullDeletesTheScoresOfADeletedUserWhoseTimeZoneIsNoZoneIdThoughTheChangeLogMissedIt(@TempDir Path dir)
			throws SQLException {
		long deleted = user(7);
		List<String> rows = this.scenario.rows(deleted);
		assertThat(rows).hasSizeGreaterThan(30);
		this.scenario.softDeleteUnlogged(deleted, "UTC+3");
		Path incremental = dir.resolve("incremental.json");
		assertThat(reconcile("--report=" + incremental)).isZero();
		assertThat(ReconcileScenario.readReport(incremental).get("suspects").asLong()).isZero();
		assertThat(this.scenario.rows(deleted)).isEqualTo(rows);
		Path full = dir.resolve("full.json");
		assertThat(reconcile("--full", "--report=" + full)).isZero();
		assertThat(this.scenario.rows(deleted)).isEmpty();
		assertThat(this.scenario.corrections(this.scenario.lastReconcile())).isEqualTo(rows);
		assertThat(fieldNames(ReconcileScenario.readReport(full).get("suspectsByReason")))
			.containsExactly("orphan_score");
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		Path again = dir.resolve("again.json");
		assertThat(reconcile("--full", "--report=" + again)).isZero();
		assertThat(ReconcileScenario.readReport(again).get("suspects").asLong()).isZero();
	}

	/**
	 * A live user's time zone that is no zone id still fails the run, naming that user,
	 * the value and what to fix, and not a deleted user's invalid one.
	 */
	@Test
	void aLiveUserWhoseTimeZoneIsNoZoneIdStillFailsTheRunNamingOnlyThem() {
		long live = user(3);
		long deleted = user(7);
		List<String> rows = this.scenario.rows(deleted);
		this.scenario.softDelete(deleted);
		this.scenario.setTimeZone(deleted, "UTC+3");
		// a late reading: the detection's query converts it to the user's zone
		this.scenario.lateReading(live, "steps", DAY, "12:00", 5_000);
		this.scenario.setTimeZone(live, "Mars/Base");
		this.scenario.snapshotScores();
		assertThat(reconcile()).isEqualTo(1);
		String failure = jdbc.queryForObject(
				"SELECT string_agg(exit_message, ' ') FROM batch_step_execution WHERE job_execution_id = ?",
				String.class, this.scenario.lastReconcile());
		assertThat(failure).contains("User " + live + " has app_user.time_zone 'Mars/Base'")
			.contains("UPDATE app_user SET time_zone = 'Europe/Paris' WHERE user_id = " + live)
			.doesNotContain("UTC+3");
		assertThat(this.scenario.changedRows()).isEmpty();
		this.scenario.setTimeZone(live, "Europe/Paris");
		assertThat(reconcile()).isZero();
		assertThat(this.scenario.rows(deleted)).isEmpty();
		assertThat(this.scenario.changedRows()).containsAll(rows);
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	@Test
	void aFailedRunRestartedResumesWhereItStoppedAndAuditsEachCorrectionOnce() {
		for (int i = 0; i < 40; i++) {
			this.scenario.lateReading(user(i), "sleep_minutes", DAY, "07:30", 1000);
		}
		this.scenario.snapshotScores();
		failCorrectionsOf(user(35));
		try {
			assertThat(reconcile()).isEqualTo(1);
		}
		finally {
			removeCorrectionFailure();
		}
		long audited = this.scenario.count("SELECT count(*) FROM score_correction");
		assertThat(audited).isBetween(1L, 39L);
		assertThat(reconcile()).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.count("SELECT count(DISTINCT job_execution_id) FROM score_correction")).isEqualTo(2);
		assertThat(
				jdbc.queryForList("SELECT user_id || '|' || score_date FROM score_correction ORDER BY 1", String.class))
			.isEqualTo(this.scenario.changedRows());
	}

	/**
	 * A failed reconcile that is never resumed (a manual range run once) kept its
	 * suspects forever. The next completing reconcile drops those of a run not resumed
	 * within the retention, marked ABANDONED so that it never resumes without them, and
	 * of a run the repository no longer holds; a recent failed run keeps its suspects and
	 * resumes them.
	 */
	@Test
	void aCompletingRunDropsTheSuspectsOfRunsNotResumedWithinTheRetentionAndKeepsThoseOfRecentRuns(
			CapturedOutput output) {
		for (int i = 0; i < 20; i++) {
			this.scenario.lateReading(user(i), "sleep_minutes", DAY, "07:30", 1000);
		}
		String[] old = { "run", "reconcile", "--from=" + DAY.minusDays(2), "--to=" + DAY };
		String[] recent = { "run", "reconcile", "--from=" + DAY.minusDays(1), "--to=" + DAY };
		failCorrectionsOf(user(15));
		long oldExecution;
		long recentExecution;
		try {
			assertThat(app(old)).isEqualTo(1);
			oldExecution = this.scenario.lastReconcile();
			assertThat(app(recent)).isEqualTo(1);
			recentExecution = this.scenario.lastReconcile();
		}
		finally {
			removeCorrectionFailure();
		}
		long oldInstance = instance(oldExecution);
		long recentInstance = instance(recentExecution);
		assertThat(suspects(oldInstance)).isPositive();
		long recentSuspects = suspects(recentInstance);
		assertThat(recentSuspects).isPositive();
		// the old run failed 8 days ago; a run the repository no longer holds
		jdbc.update("UPDATE batch_job_execution SET end_time = end_time - interval '8 days' WHERE job_execution_id = ?",
				oldExecution);
		// told in UTC, as the logs' own times are
		Instant oldEnd = JobTimes
			.instant(jdbc.queryForObject("SELECT end_time FROM batch_job_execution WHERE job_execution_id = ?",
					LocalDateTime.class, oldExecution));
		jdbc.update("INSERT INTO reconcile_suspect VALUES (999999, ?, ?, ARRAY['late_data'])", user(0), DAY);
		assertThat(reconcile()).isZero();
		assertThat(suspects(oldInstance)).as("the old run's suspects").isZero();
		assertThat(status(oldExecution)).isEqualTo("ABANDONED");
		assertThat(output).contains("reconcile execution " + oldExecution + " (FAILED since " + oldEnd + ")")
			.contains(") was not resumed within 7d (healthscore.reconcile.suspect-retention): marked ABANDONED")
			.contains(", less the ingest margin 10m");
		assertThat(suspects(999999)).isZero();
		assertThat(suspects(recentInstance)).as("the recent run's suspects").isEqualTo(recentSuspects);
		assertThat(status(recentExecution)).isEqualTo("FAILED");
		// the abandoned run never resumes; the same command starts a new run
		assertThat(app("restart", String.valueOf(oldExecution))).isEqualTo(2);
		assertThat(app(old)).isZero();
		assertThat(instance(this.scenario.lastReconcile())).isNotEqualTo(oldInstance);
		assertThat(app(recent)).isZero();
		assertThat(instance(this.scenario.lastReconcile())).as("the recent run resumed").isEqualTo(recentInstance);
		assertThat(this.scenario.count("SELECT count(*) FROM reconcile_suspect")).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	private static long instance(long execution) {
		return jdbc.queryForObject("SELECT job_instance_id FROM batch_job_execution WHERE job_execution_id = ?",
				Long.class, execution);
	}

	private static long suspects(long instance) {
		return jdbc.queryForObject("SELECT count(*) FROM reconcile_suspect WHERE job_instance_id = ?", Long.class,
				instance);
	}

	private static String status(long execution) {
		return jdbc.queryForObject("SELECT status FROM batch_job_execution WHERE job_execution_id = ?", String.class,
				execution);
	}

	/**
	 * Spring Batch records a step COMPLETED before it saves the job's execution context,
	 * which holds what the step found (the detection's summary) or counted (the
	 * corrections' tally, promoted from the scoring step): a run that dies between the
	 * two (SIGKILL, the primary gone) is restarted without running the step again, and
	 * must still finish and report what it did.
	 */
	@ParameterizedTest
	@CsvSource({ "reconcileDetect, reconcileScores", "reconcileScores, reconcileFinish" })
	void aRunThatDiedAfterAStepCompletedButBeforeTheJobContextWasSavedIsRestartedAndFinishes(String step, String next,
			@TempDir Path dir) {
		for (int i = 0; i < 30; i++) {
			this.scenario.lateReading(user(i), "sleep_minutes", DAY, "07:30", 1000);
		}
		this.scenario.snapshotScores();
		// every save of the job's context after the step completed fails, as if the
		// process died right after the step was recorded
		jdbc.execute(String.format(Locale.ROOT, """
				CREATE FUNCTION refuse_job_context() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF EXISTS (SELECT 1 FROM batch_step_execution WHERE job_execution_id = NEW.job_execution_id
					           AND step_name = '%s' AND status = 'COMPLETED')
					   AND NOT EXISTS (SELECT 1 FROM batch_step_execution WHERE job_execution_id = NEW.job_execution_id
					                   AND step_name = '%s') THEN
						RAISE EXCEPTION 'injected failure: job context not saved';
					END IF;
					RETURN NEW;
				END $$""", step, next));
		jdbc.execute("CREATE TRIGGER refuse_job_context BEFORE UPDATE ON batch_job_execution_context "
				+ "FOR EACH ROW EXECUTE FUNCTION refuse_job_context()");
		Path report = dir.resolve("restarted.json");
		String instances = "SELECT count(*) FROM batch_job_instance WHERE job_name = 'reconcile'";
		long before = this.scenario.count(instances);
		try {
			assertThat(reconcile("--report=" + report)).isEqualTo(1);
		}
		finally {
			jdbc.execute("DROP TRIGGER refuse_job_context ON batch_job_execution_context");
			jdbc.execute("DROP FUNCTION refuse_job_context()");
		}
		long failed = this.scenario.lastReconcile();
		assertThat(jdbc.queryForObject(
				"SELECT status FROM batch_step_execution WHERE job_execution_id = ? AND step_name = ?", String.class,
				failed, step))
			.isEqualTo("COMPLETED");
		// the same command restarts the failed run
		assertThat(reconcile("--report=" + report)).isZero();
		assertThat(this.scenario.lastReconcile()).as("the failed run was restarted").isGreaterThan(failed);
		assertThat(this.scenario.count(instances)).as("the same instance").isEqualTo(before + 1);
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		List<String> changed = this.scenario.changedRows();
		assertThat(changed).isNotEmpty();
		assertThat(
				jdbc.queryForList("SELECT user_id || '|' || score_date FROM score_correction ORDER BY 1", String.class))
			.isEqualTo(changed);
		JsonNode json = ReconcileScenario.readReport(report);
		assertThat(json.get("suspects").asLong()).isPositive();
		assertThat(json.get("corrected").asLong()).isEqualTo(changed.size());
		assertThat(json.get("blocksRead").asLong()).isPositive();
		assertASecondRunCorrectsNothing(dir);
	}

	/**
	 * A reconcile process killed (SIGKILL) while a chunk waits to commit, its session
	 * left behind in the database: the same command marks the run FAILED and resumes it
	 * after the last committed chunk, every correction audited once.
	 */
	@Test
	void aProcessKilledMidChunkIsResumedByTheSameCommandAndAuditsEachCorrectionOnce(@TempDir Path dir)
			throws Exception {
		for (int i = 0; i < 40; i++) {
			this.scenario.lateReading(user(i), "sleep_minutes", DAY, "07:30", 1000);
		}
		this.scenario.snapshotScores();
		// the chunk holding user 25's correction waits while the test holds the lock
		jdbc.execute(String.format(Locale.ROOT, """
				CREATE FUNCTION hold_for_user() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF NEW.user_id = %d THEN PERFORM pg_advisory_xact_lock_shared(4243); END IF;
					RETURN NEW;
				END $$""", user(25)));
		jdbc.execute("CREATE TRIGGER hold_for_user BEFORE INSERT ON score_correction "
				+ "FOR EACH ROW EXECUTE FUNCTION hold_for_user()");
		try (Connection hold = dataSource.getConnection()) {
			try (Statement statement = hold.createStatement()) {
				statement.execute("SELECT pg_advisory_lock(4243)");
			}
			Process process = start(dir.resolve("killed.log"), "run", "reconcile", "--from=" + FIRST, "--to=" + LAST);
			try {
				await().atMost(Duration.ofSeconds(120))
					.pollInterval(Duration.ofMillis(50))
					.until(() -> !process.isAlive() || this.scenario.count(
							"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = 4243") > 0);
				assertThat(process.isAlive()).as(() -> read(dir.resolve("killed.log"))).isTrue();
			}
			finally {
				process.destroyForcibly();
				assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
			}
			try (Statement statement = hold.createStatement()) {
				statement.execute("SELECT pg_advisory_unlock(4243)");
			}
		}
		// the killed process's session goes on with its chunk, then finds its client gone
		// and rolls it back
		await().atMost(Duration.ofSeconds(60))
			.until(() -> this.scenario
				.count("SELECT count(*) FROM pg_locks WHERE relation = 'score_correction'::regclass") == 0);
		jdbc.execute("DROP TRIGGER hold_for_user ON score_correction");
		jdbc.execute("DROP FUNCTION hold_for_user()");
		long audited = this.scenario.count("SELECT count(*) FROM score_correction");
		assertThat(audited).isBetween(1L, 39L);
		long killed = this.scenario.lastReconcile();
		assertThat(jdbc.queryForObject("SELECT status FROM batch_job_execution WHERE job_execution_id = ?",
				String.class, killed))
			.isEqualTo("STARTED");
		assertThat(reconcile()).isZero();
		assertThat(jdbc.queryForObject("SELECT status FROM batch_job_execution WHERE job_execution_id = ?",
				String.class, killed))
			.isEqualTo("FAILED");
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.count("SELECT count(DISTINCT job_execution_id) FROM score_correction")).isEqualTo(2);
		assertThat(
				jdbc.queryForList("SELECT user_id || '|' || score_date FROM score_correction ORDER BY 1", String.class))
			.isEqualTo(this.scenario.changedRows());
		assertASecondRunCorrectsNothing(dir);
	}

	private static Process start(Path log, String... args) throws IOException {
		List<String> all = new ArrayList<>(List.of(args));
		all.addAll(List.of("--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
				"--spring.datasource.username=postgres", "--healthscore.reconcile.chunk-size=5"));
		return AppProcess.start(log, List.of(), all);
	}

	private static String read(Path log) {
		try {
			return Files.readString(log);
		}
		catch (IOException ex) {
			return "(its log " + log + " cannot be read: " + ex + ")";
		}
	}

	/**
	 * Readings moved in place to a day of another month: PostgreSQL runs an
	 * {@code UPDATE} that moves a row to another partition as a delete and an insert, so
	 * no update trigger sees it. Both the day they left and the day they moved to (with
	 * the days whose heart baseline they change) are found, by an incremental run.
	 */
	@Test
	void readingsMovedToADayOfAnotherMonthAreFoundOnTheDayTheyLeftAndTheDayTheyMovedTo(@TempDir Path dir) {
		long user = this.scenario.restingHeartRateUser(List.of());
		LocalDate left = LocalDate.parse("2025-03-03");
		LocalDate movedTo = LocalDate.parse("2025-02-26");
		assertThat(this.scenario.moveDay(user, left, movedTo)).isGreaterThan(2);
		this.scenario.snapshotScores();
		assertThat(reconcile()).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.changedRows()).contains(user + "|" + left, user + "|" + movedTo);
		assertASecondRunCorrectsNothing(dir);
	}

	/**
	 * Readings made invalid by an update of their {@code ingested_at} alone (recorded
	 * more than a day after it: clock skew), then valid again the same way: neither
	 * changes a column the scores are computed from, and both are found.
	 */
	@Test
	void readingsMadeInvalidThenValidAgainByAnUpdateOfTheirIngestTimeAloneAreFound(@TempDir Path dir) {
		long user = user(1);
		String row = user + "|" + DAY;
		assertThat(this.scenario.rows(user)).contains(row);
		assertThat(this.scenario.setIngestedAt(user, DAY, -48)).isPositive();
		assertThat(reconcile()).isZero();
		assertThat(this.scenario.rows(user)).doesNotContain(row);
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.setIngestedAt(user, DAY, 0)).isPositive();
		assertThat(reconcile()).isZero();
		assertThat(this.scenario.rows(user)).contains(row);
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertASecondRunCorrectsNothing(dir);
	}

	/**
	 * A user id used again after a hard delete, and a user created after their readings
	 * arrived: their readings become inputs when the {@code app_user} row is inserted,
	 * however long ago they came. Without an ingest margin, a run looks only at what
	 * changed after the last one began: only the insert can tell.
	 */
	@Test
	void aUserIdUsedAgainAndAUserCreatedAfterTheirReadingsHaveTheirDaysScored(@TempDir Path dir) {
		String noMargin = "--healthscore.reconcile.ingest-margin=0s";
		long reused = user(3);
		int rows = this.scenario.rows(reused).size();
		this.scenario.hardDelete(reused);
		// readings of a user the app has not created yet: no inputs
		long created = NEW_USER + 1;
		LocalDate day = LAST.minusDays(2);
		this.scenario.lateReadingAt(created, "steps", day + "T14:00:00Z", 7_000);
		this.scenario.lateReadingAt(created, "sleep_minutes", day + "T20:00:00Z", 430);
		assertThat(reconcile(noMargin)).isZero();
		assertThat(this.scenario.rows(reused)).isEmpty();
		assertThat(this.scenario.rows(created)).isEmpty();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		// the id used again, 14 hours east of UTC; the new user 12 hours west of it
		this.scenario.createUser(reused, "Pacific/Kiritimati", 6_000);
		this.scenario.createUser(created, "Etc/GMT+12", 10_000);
		Path report = dir.resolve("created.json");
		assertThat(reconcile(noMargin, "--report=" + report)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.rows(reused)).hasSizeGreaterThan(rows / 2);
		assertThat(this.scenario.rows(created)).containsExactly(created + "|" + day);
		assertThat(fieldNames(ReconcileScenario.readReport(report).get("suspectsByReason")))
			.containsExactly("user_created");
		Path second = dir.resolve("second.json");
		assertThat(reconcile(noMargin, "--report=" + second)).isZero();
		assertThat(ReconcileScenario.readReport(second).get("suspects").asLong()).isZero();
	}

	/**
	 * A user whose id is changed in place ({@code UPDATE app_user SET user_id}), to an id
	 * whose readings came before any user had it: the old id's scores are orphans, the
	 * new id's days are scored.
	 */
	@Test
	void aUserWhoseIdIsChangedHasTheOldIdsScoresDeletedAndTheNewIdsDaysScored(@TempDir Path dir) {
		// the generator's readings of a user id that app_user does not have
		long ghost = this.scenario.count("""
				SELECT max(r.user_id) FROM health_reading r
				WHERE NOT EXISTS (SELECT 1 FROM app_user u WHERE u.user_id = r.user_id)""");
		assertThat(this.scenario.rows(ghost)).isEmpty();
		long user = user(5);
		List<String> rows = this.scenario.rows(user);
		assertThat(rows).isNotEmpty();
		assertThat(jdbc.update("UPDATE app_user SET user_id = ? WHERE user_id = ?", ghost, user)).isOne();
		this.scenario.snapshotScores();
		assertThat(reconcile()).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.rows(user)).isEmpty();
		assertThat(this.scenario.rows(ghost)).isNotEmpty();
		assertThat(this.scenario.corrections(this.scenario.lastReconcile())).isEqualTo(this.scenario.changedRows());
		assertASecondRunCorrectsNothing(dir);
	}

	/**
	 * User changes that shift or bring back every local day (time zones 12 hours west and
	 * 14 hours east of UTC, a deleted user brought back), readings at the local midnights
	 * around a daylight saving change, and late resting heart rates before the range and
	 * exactly 28 days before its last day: all found (passes: no defect found).
	 */
	@Test
	void userChangesAndReadingsAtTheEdgesOfDaysAndOfTheRangeAreFound(@TempDir Path dir) {
		this.scenario.softDelete(user(2));
		assertThat(reconcile()).isZero();
		assertThat(this.scenario.rows(user(2))).isEmpty();
		this.scenario.undelete(user(2));
		this.scenario.setTimeZone(user(0), "Etc/GMT+12");
		this.scenario.setTimeZone(user(1), "Pacific/Kiritimati");
		// New York's clocks moved forward on 2025-03-09
		long newYork = jdbc.queryForObject("""
				SELECT min(user_id) FROM app_user
				WHERE time_zone = 'America/New_York' AND deleted_at IS NULL AND NOT user_id = ANY(?)""", Long.class,
				(Object) new Long[] { user(0), user(1), user(2) });
		LocalDate spring = LocalDate.parse("2025-03-09");
		this.scenario.lateReading(newYork, "sleep_minutes", spring, "00:00", 1_400);
		this.scenario.lateReading(newYork, "sleep_minutes", spring.plusDays(1), "00:00", 1_400);
		this.scenario.lateReading(newYork, "active_minutes", spring.minusDays(1), "23:59:59.999999", 90);
		long heart = this.scenario.restingHeartRateUser(List.of(user(0), user(1), user(2), newYork));
		long otherHeart = this.scenario.restingHeartRateUser(List.of(user(0), user(1), user(2), newYork, heart));
		for (int i = 1; i <= 3; i++) {
			this.scenario.lateReading(heart, "resting_heart_rate", FIRST.minusDays(i), "06:00", 30);
		}
		this.scenario.lateReading(otherHeart, "resting_heart_rate", LAST.minusDays(28), "06:00", 30);
		this.scenario.snapshotScores();
		assertThat(reconcile()).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		List<String> changed = this.scenario.changedRows();
		assertThat(changed).contains(newYork + "|" + spring, newYork + "|" + spring.plusDays(1))
			.anyMatch((key) -> key.startsWith(user(2) + "|"))
			.anyMatch((key) -> key.startsWith(heart + "|"));
		assertASecondRunCorrectsNothing(dir);
	}

	/**
	 * Changes committed while a run waits between its detection and its scoring: a late
	 * reading of a day it scores (seen by the scoring, not by the detection), the
	 * readings of a day it does not score deleted, a score row deleted by hand. The run
	 * leaves what it did not see, and the next run finds it (passes: no defect found).
	 */
	@Test
	void changesCommittedBetweenARunsDetectionAndItsScoringAreFoundByTheNextRun(@TempDir Path dir) throws Exception {
		this.scenario.lateReading(user(0), "sleep_minutes", DAY, "07:30", 1_000);
		jdbc.execute("""
				CREATE FUNCTION hold_scoring() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF NEW.step_name = 'reconcileScores' THEN PERFORM pg_advisory_xact_lock_shared(4244); END IF;
					RETURN NEW;
				END $$""");
		jdbc.execute("CREATE TRIGGER hold_scoring BEFORE INSERT ON batch_step_execution "
				+ "FOR EACH ROW EXECUTE FUNCTION hold_scoring()");
		int exitCode;
		try (Connection hold = dataSource.getConnection()) {
			try (Statement statement = hold.createStatement()) {
				statement.execute("SELECT pg_advisory_lock(4244)");
			}
			CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> reconcile());
			await().atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(50))
				.until(() -> run.isDone() || this.scenario.count(
						"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = 4244") > 0);
			assertThat(run).isNotDone();
			this.scenario.lateReading(user(0), "steps", DAY, "12:00", 30_000);
			assertThat(this.scenario.deleteDay(user(1), DAY.minusDays(1))).isPositive();
			assertThat(this.scenario.deleteScoresByHand("health_score", "user_id = ? AND score_date = ?", user(2),
					DAY.minusDays(2)))
				.hasSize(1);
			try (Statement statement = hold.createStatement()) {
				statement.execute("SELECT pg_advisory_unlock(4244)");
			}
			exitCode = run.get(120, TimeUnit.SECONDS);
		}
		finally {
			jdbc.execute("DROP TRIGGER hold_scoring ON batch_step_execution");
			jdbc.execute("DROP FUNCTION hold_scoring()");
		}
		assertThat(exitCode).isZero();
		assertThat(this.scenario.rows(user(2))).doesNotContain(user(2) + "|" + DAY.minusDays(2));
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isNotEmpty();
		assertThat(reconcile()).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertASecondRunCorrectsNothing(dir);
	}

	/**
	 * Late readings at the outer edges of what a run reads, in the zones farthest from
	 * UTC: a resting heart rate at the first local instant of the first lookback day, 14
	 * hours east of UTC (the day before in UTC), and sleep at the last local instant of
	 * the range's last day, 12 hours west of UTC (the day after in UTC). Without an
	 * ingest margin, the run after the zones changed looks at the late readings alone
	 * (passes: no defect found).
	 */
	@Test
	void lateReadingsAtTheEdgesOfTheRangeInTheZonesFarthestFromUtcAreFound(@TempDir Path dir) {
		String noMargin = "--healthscore.reconcile.ingest-margin=0s";
		long east = this.scenario.restingHeartRateUser(List.of());
		long west = this.scenario.liveUsers().stream().filter((user) -> user != east).findFirst().orElseThrow();
		this.scenario.setTimeZone(east, "Pacific/Kiritimati");
		this.scenario.setTimeZone(west, "Etc/GMT+12");
		assertThat(reconcile(noMargin)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		this.scenario.lateReading(east, "resting_heart_rate", FIRST.minusDays(28), "00:00", 26);
		this.scenario.lateReading(west, "sleep_minutes", LAST, "23:59:59.999999", 1_400);
		this.scenario.snapshotScores();
		Path report = dir.resolve("edges.json");
		assertThat(reconcile(noMargin, "--report=" + report)).isZero();
		// the only day of the range each reading reaches: the first, the last
		assertThat(ReconcileScenario.readReport(report).get("suspects").asLong()).isEqualTo(2);
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertThat(this.scenario.changedRows()).contains(west + "|" + LAST);
		Path second = dir.resolve("second.json");
		assertThat(reconcile(noMargin, "--report=" + second)).isZero();
		assertThat(ReconcileScenario.readReport(second).get("suspects").asLong()).isZero();
	}

	@Test
	void upgradeVersionRescoresRowsOfAnOlderVersionOnlyWhenAsked() {
		int rows = jdbc.update("UPDATE health_score SET algorithm_version = 0 WHERE user_id = ?", user(0));
		assertThat(rows).isGreaterThan(30);
		assertThat(reconcile()).isZero();
		assertThat(this.scenario.count("SELECT count(*) FROM health_score WHERE algorithm_version = 0"))
			.isEqualTo(rows);
		assertThat(reconcile("--upgrade-version")).isZero();
		assertThat(this.scenario.count("SELECT count(*) FROM health_score WHERE algorithm_version = 0")).isZero();
		assertThat(this.scenario.count("""
				SELECT count(*) FROM score_correction
				WHERE old_algorithm_version = 0 AND new_algorithm_version = 1 AND reasons = ARRAY['old_version']
				  AND old_score IS NOT DISTINCT FROM new_score""")).isEqualTo(rows);
	}

	private long user(int index) {
		return this.users.get(index);
	}

	private static int reconcile(String... options) {
		List<String> args = new ArrayList<>(List.of("run", "reconcile", "--from=" + FIRST, "--to=" + LAST));
		args.addAll(List.of(options));
		return app(args.toArray(String[]::new));
	}

	/** Runs reconcile again over the range, and checks that it finds no suspect. */
	private static void assertASecondRunFindsNothing(Path dir) {
		Path second = dir.resolve("second.json");
		assertThat(reconcile("--report=" + second)).isZero();
		assertThat(ReconcileScenario.readReport(second).get("suspects").asLong()).isZero();
	}

	/**
	 * Runs reconcile again over the range, and checks that it corrects and refreshes
	 * nothing: the changes made within the ingest margin before the first run's
	 * checkpoint are looked at again, a user's making every day of the range suspect.
	 */
	private static void assertASecondRunCorrectsNothing(Path dir) {
		Path second = dir.resolve("second.json");
		assertThat(reconcile("--report=" + second)).isZero();
		JsonNode json = ReconcileScenario.readReport(second);
		assertThat(json.get("corrected").asLong()).isZero();
		assertThat(json.get("refreshed").asLong()).isZero();
	}

	private static List<String> fieldNames(JsonNode node) {
		List<String> names = new ArrayList<>(node.propertyNames());
		return names;
	}

	static int app(String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.add("--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"));
		all.add("--spring.datasource.username=postgres");
		all.add("--healthscore.recompute.chunk-size=25");
		all.add("--healthscore.reconcile.chunk-size=25");
		all.add("--healthscore.reconcile.segment-users=20");
		all.add("--healthscore.reconcile.leaf-width=4");
		return HealthScoreApplication.run(all.toArray(String[]::new));
	}

	/** Makes each audit insert of a user's correction fail, so the run fails there. */
	private static void failCorrectionsOf(long userId) {
		jdbc.execute(String.format(Locale.ROOT, """
				CREATE FUNCTION fail_for_user() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF NEW.user_id = %d THEN RAISE EXCEPTION 'injected failure for user %%', NEW.user_id; END IF;
					RETURN NEW;
				END $$""", userId));
		jdbc.execute("CREATE TRIGGER fail_for_user BEFORE INSERT ON score_correction "
				+ "FOR EACH ROW EXECUTE FUNCTION fail_for_user()");
	}

	/** Undoes {@link #failCorrectionsOf}. */
	private static void removeCorrectionFailure() {
		jdbc.execute("DROP TRIGGER fail_for_user ON score_correction");
		jdbc.execute("DROP FUNCTION fail_for_user()");
	}

}
