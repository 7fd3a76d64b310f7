package dev.healthscore.jobs.recompute;

import java.io.IOException;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.ScoreAssertions;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the real command line against a real PostgreSQL: generates a data set, recomputes
 * it and checks every score against an independent SQL computation of the definition.
 */
class RecomputeJobIntegrationTests {

	private static final LocalDate FIRST = LocalDate.parse("2025-01-20");

	private static final LocalDate LAST = LocalDate.parse("2025-03-10");

	private static TemporaryPostgres postgres;

	private static HikariDataSource dataSource;

	private static JdbcTemplate jdbc;

	@BeforeAll
	static void generateDataSet() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
		dataSource.setUsername("postgres");
		jdbc = new JdbcTemplate(dataSource);
		int exit = app("generate", "--users=150", "--days=50", "--seed=7", "--end=" + LAST);
		assertThat(exit).isZero();
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		postgres.close();
	}

	@BeforeEach
	void clearScores() {
		jdbc.execute("TRUNCATE health_score, quarantined_reading");
	}

	@Test
	void recomputeStoresExactlyTheScoresOfTheDefinition() {
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		assertThat(count("SELECT count(*) FROM health_score")).isGreaterThan(150L * 40);
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	@Test
	void recomputeQuarantinesEveryInvalidReadingOnceWithItsReason() {
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		long quarantined = count("SELECT count(*) FROM quarantined_reading");
		List<String> reasons = jdbc.queryForList("SELECT DISTINCT reason FROM quarantined_reading ORDER BY 1",
				String.class);
		assertThat(reasons).contains("not_finite", "out_of_range", "clock_skew", "unknown_user");
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		assertThat(count("SELECT count(*) FROM quarantined_reading")).isEqualTo(quarantined);
		long notFinite = count("""
				SELECT count(*) FROM health_reading r JOIN app_user u USING (user_id)
				WHERE u.deleted_at IS NULL AND r.metric <> 'heart_rate'
				  AND r.value IN ('NaN'::float8, 'Infinity'::float8)""");
		assertThat(count("SELECT count(*) FROM quarantined_reading WHERE reason = 'not_finite'")).isEqualTo(notFinite);
	}

	/**
	 * A reading whose value is NULL is quarantined as such, with a NULL value: read as
	 * NaN, it was quarantined as "not finite" with a NaN value. It is never scored.
	 */
	@Test
	void recomputeQuarantinesANullValueAsNullNotAsNotFinite() {
		long user = jdbc.queryForObject("SELECT min(user_id) FROM app_user WHERE deleted_at IS NULL", Long.class);
		jdbc.update("""
				INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
				VALUES (?, 'steps', ?::timestamptz, NULL, 'null-test')""", user, LAST.minusDays(2) + " 12:00Z");
		try {
			assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
			assertThat(jdbc.queryForList("""
					SELECT reason || ' ' || coalesce(value::text, 'NULL') FROM quarantined_reading
					WHERE user_id = ? AND source = 'null-test'""", String.class, user))
				.containsExactly("null_value NULL");
			assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		}
		finally {
			jdbc.update("DELETE FROM health_reading WHERE source = 'null-test'");
		}
	}

	/**
	 * A deleted user's time zone is never read: one that is no zone id ({@code UTC+3} is
	 * an offset) fails nothing, their rows are deleted and their readings quarantined as
	 * a deleted user's. A live user's still fails the run.
	 */
	@Test
	void aDeletedUserWhoseTimeZoneIsNoZoneIdLosesTheirScoresAndALiveOneStillFailsTheRun() {
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		long user = jdbc.queryForObject("SELECT min(user_id) FROM app_user WHERE deleted_at IS NULL", Long.class);
		long live = jdbc.queryForObject("SELECT min(user_id) FROM app_user WHERE deleted_at IS NULL AND user_id > ?",
				Long.class, user);
		assertThat(count("SELECT count(*) FROM health_score WHERE user_id = ?", user)).isGreaterThan(40);
		String zone = jdbc.queryForObject("SELECT time_zone FROM app_user WHERE user_id = ?", String.class, user);
		String liveZone = jdbc.queryForObject("SELECT time_zone FROM app_user WHERE user_id = ?", String.class, live);
		jdbc.update("UPDATE app_user SET deleted_at = now(), time_zone = 'UTC+3' WHERE user_id = ?", user);
		try {
			jdbc.execute("TRUNCATE quarantined_reading");
			assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
			assertThat(count("SELECT count(*) FROM health_score WHERE user_id = ?", user)).isZero();
			assertThat(jdbc.queryForList("SELECT DISTINCT reason FROM quarantined_reading WHERE user_id = ?",
					String.class, user))
				.containsExactly("deleted_user");
			assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
			jdbc.update("UPDATE app_user SET time_zone = 'Mars/Base' WHERE user_id = ?", live);
			assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isEqualTo(1);
			assertThat(jdbc.queryForObject("""
					SELECT string_agg(s.exit_message, ' ') FROM batch_step_execution s
					WHERE s.job_execution_id = (SELECT max(job_execution_id) FROM batch_job_execution)""",
					String.class))
				.contains("User " + live + " has app_user.time_zone 'Mars/Base'")
				.doesNotContain("UTC+3");
		}
		finally {
			jdbc.update("UPDATE app_user SET time_zone = ? WHERE user_id = ?", liveZone, live);
			jdbc.update("UPDATE app_user SET deleted_at = NULL, time_zone = ? WHERE user_id = ?", zone, user);
		}
		// the failed run restarted, so that the next one starts anew, and every user
		// scored
		// again
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	@Test
	void rerunningTheSameRangeChangesOnlyTheRunTimestamps() {
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		String before = snapshot();
		Map<String, Object> times = jdbc
			.queryForMap("SELECT max(computed_at) AS computed, min(inputs_as_of) AS inputs FROM health_score");
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		assertThat(snapshot()).isEqualTo(before);
		assertThat(count("SELECT count(*) FROM health_score WHERE computed_at <= ?", times.get("computed"))).isZero();
		assertThat(count("SELECT count(*) FROM health_score WHERE inputs_as_of < ?", times.get("inputs"))).isZero();
	}

	@Test
	void aFailedRunRestartedResumesWhereItStoppedAndEndsWithTheSameScores() {
		long failingUser = 120;
		jdbc.execute(String.format(Locale.ROOT, """
				CREATE FUNCTION fail_for_user() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					IF NEW.user_id = %d THEN RAISE EXCEPTION 'injected failure for user %%', NEW.user_id; END IF;
					RETURN NEW;
				END $$""", failingUser));
		jdbc.execute(
				"CREATE TRIGGER fail_for_user BEFORE INSERT ON health_score FOR EACH ROW EXECUTE FUNCTION fail_for_user()");
		try {
			assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isEqualTo(1);
		}
		finally {
			jdbc.execute("DROP TRIGGER fail_for_user ON health_score");
			jdbc.execute("DROP FUNCTION fail_for_user()");
		}
		long written = count("SELECT count(DISTINCT user_id) FROM health_score");
		assertThat(written).isBetween(1L, failingUser - 1);
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		Long resumedAfter = jdbc.queryForObject(
				"""
						SELECT sum(s.read_count) FROM batch_step_execution s
						WHERE s.step_name LIKE 'recomputeScoresWorker:%' AND s.job_execution_id = (SELECT max(job_execution_id) FROM batch_job_execution)""",
				Long.class);
		assertThat(resumedAfter).isLessThan(count("SELECT count(*) FROM app_user"));
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	@Test
	void recomputeOfListedUsersTouchesOnlyThem() {
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST, "--users=3,5,151")).isZero();
		assertThat(jdbc.queryForList("SELECT DISTINCT user_id FROM health_score ORDER BY 1", Long.class))
			.isSubsetOf(3L, 5L)
			.isNotEmpty();
	}

	@Test
	void threeShardsInThreeRunsWriteEveryScoreExactlyOnce() {
		for (int shard = 0; shard < 3; shard++) {
			assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST, "--shard=" + shard + "/3")).isZero();
		}
		assertThat(count("""
				SELECT count(*) FROM batch_job_execution e JOIN batch_job_execution_params p USING (job_execution_id)
				WHERE p.parameter_name = 'shard' AND e.status = 'COMPLETED'""")).isEqualTo(3);
		Long written = jdbc.queryForObject("""
				SELECT sum(s.write_count) FROM batch_step_execution s JOIN batch_job_execution_params p
				  ON p.job_execution_id = s.job_execution_id AND p.parameter_name = 'shard'
				WHERE s.step_name LIKE 'recomputeScoresWorker:%'""", Long.class);
		assertThat(written).isEqualTo(count("SELECT count(*) FROM app_user") + 1);
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	private static String snapshot() {
		return jdbc.queryForObject("""
				SELECT md5(string_agg(row(user_id, score_date, score, activity_score, sleep_score, heart_score,
				       completeness, algorithm_version)::text, ',' ORDER BY user_id, score_date))
				FROM health_score""", String.class);
	}

	private static long count(String sql, Object... args) {
		return jdbc.queryForObject(sql, Long.class, args);
	}

	static int app(String... args) {
		String[] all = new String[args.length + 3];
		System.arraycopy(args, 0, all, 0, args.length);
		all[args.length] = "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres");
		all[args.length + 1] = "--spring.datasource.username=postgres";
		all[args.length + 2] = "--healthscore.recompute.chunk-size=25";
		return HealthScoreApplication.run(all);
	}

}
