package dev.healthscore.jobs.reconcile;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Makes stored scores inaccurate the ways the issue lists (late readings, deleted
 * readings, new user-days, deleted users, tampering, old versions), and reads what
 * reconcile did about it.
 */
final class ReconcileScenario {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** The tables a dry run must leave byte-identical. */
	static final List<String> TABLES = List.of("health_score", "score_correction", "quarantined_reading",
			"reconcile_checkpoint", "score_input_change", "reconcile_suspect", "health_reading", "app_user");

	private final DataSource dataSource;

	private final JdbcTemplate jdbc;

	ReconcileScenario(DataSource dataSource) {
		this.dataSource = dataSource;
		this.jdbc = new JdbcTemplate(dataSource);
	}

	/** The users that exist and are not deleted, in id order. */
	List<Long> liveUsers() {
		return this.jdbc.queryForList("SELECT user_id FROM app_user WHERE deleted_at IS NULL ORDER BY user_id",
				Long.class);
	}

	/**
	 * The live user with the most resting heart rate readings, not one of {@code taken}.
	 */
	long restingHeartRateUser(Collection<Long> taken) {
		return this.jdbc.queryForObject("""
				SELECT r.user_id FROM health_reading r JOIN app_user u USING (user_id)
				WHERE r.metric = 'resting_heart_rate' AND u.deleted_at IS NULL AND NOT r.user_id = ANY(?)
				GROUP BY r.user_id ORDER BY count(*) DESC, r.user_id LIMIT 1""", Long.class,
				(Object) taken.toArray(Long[]::new));
	}

	/** A reading arriving now for a local day and time of the user. */
	void lateReading(long user, String metric, LocalDate day, String localTime, double value) {
		this.jdbc.update("""
				INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
				SELECT user_id, ?, (CAST(? AS date) + CAST(? AS time)) AT TIME ZONE time_zone, ?, 'late-band'
				FROM app_user WHERE user_id = ?""", metric, day, localTime, value, user);
	}

	/** Deletes a metric's readings of a local day of the user; returns how many. */
	int deleteReadings(long user, String metric, LocalDate day) {
		return this.jdbc.update("""
				DELETE FROM health_reading r USING app_user u
				WHERE u.user_id = r.user_id AND r.user_id = ? AND r.metric = ?
				  AND (r.recorded_at AT TIME ZONE u.time_zone)::date = ?""", user, metric, day);
	}

	/** The same, with the change-log triggers bypassed, as a replication tool would. */
	int deleteReadingsUnlogged(long user, String metric, LocalDate day) throws SQLException {
		return unlogged(String.format(Locale.ROOT, """
				DELETE FROM health_reading r USING app_user u
				WHERE u.user_id = r.user_id AND r.user_id = %d AND r.metric = '%s'
				  AND (r.recorded_at AT TIME ZONE u.time_zone)::date = DATE '%s'""", user, metric, day));
	}

	/**
	 * Runs a statement with the change-log triggers bypassed, as a replication tool
	 * would.
	 * @return how many rows it changed
	 */
	private int unlogged(String sql) throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("SET session_replication_role = replica");
			try {
				return statement.executeUpdate(sql);
			}
			finally {
				statement.execute("RESET session_replication_role");
			}
		}
	}

	/** Deletes every reading of a local day of the user. */
	int deleteDay(long user, LocalDate day) {
		return this.jdbc.update("""
				DELETE FROM health_reading r USING app_user u
				WHERE u.user_id = r.user_id AND r.user_id = ? AND (r.recorded_at AT TIME ZONE u.time_zone)::date = ?""",
				user, day);
	}

	/** A new user with steps and sleep on the given days. */
	void newUser(long user, LocalDate... days) {
		this.jdbc.update("INSERT INTO app_user (user_id, time_zone, daily_step_goal) VALUES (?, 'Asia/Kolkata', 9000)",
				user);
		for (LocalDate day : days) {
			lateReading(user, "steps", day, "10:00", 4321);
			lateReading(user, "sleep_minutes", day, "07:00", 455);
		}
	}

	/** Multiplies a metric's values of a local day of the user, in place. */
	int changeValues(long user, String metric, LocalDate day, double factor) {
		return this.jdbc.update("""
				UPDATE health_reading r SET value = r.value * ? FROM app_user u
				WHERE u.user_id = r.user_id AND r.user_id = ? AND r.metric = ?
				  AND (r.recorded_at AT TIME ZONE u.time_zone)::date = ?""", factor, user, metric, day);
	}

	/**
	 * Moves every reading of a local day of the user to the same local time of another
	 * day, in place (one {@code UPDATE} of {@code recorded_at}).
	 * @return how many readings moved
	 */
	int moveDay(long user, LocalDate from, LocalDate to) {
		return this.jdbc.update("""
				UPDATE health_reading r
				SET recorded_at = ((r.recorded_at AT TIME ZONE u.time_zone) + (CAST(? AS date) - CAST(? AS date))
				                   * interval '1 day') AT TIME ZONE u.time_zone
				FROM app_user u
				WHERE u.user_id = r.user_id AND r.user_id = ? AND (r.recorded_at AT TIME ZONE u.time_zone)::date = ?""",
				to, from, user, from);
	}

	/**
	 * Sets the {@code ingested_at} of every reading of a local day of the user to its
	 * {@code recorded_at} plus {@code hours} (negative: before it), in place.
	 * @return how many readings changed
	 */
	int setIngestedAt(long user, LocalDate day, int hours) {
		return this.jdbc.update("""
				UPDATE health_reading r SET ingested_at = r.recorded_at + ? * interval '1 hour' FROM app_user u
				WHERE u.user_id = r.user_id AND r.user_id = ? AND (r.recorded_at AT TIME ZONE u.time_zone)::date = ?""",
				hours, user, day);
	}

	/** Inserts an {@code app_user} row, as the app does for a new user. */
	void createUser(long user, String timeZone, int goal) {
		this.jdbc.update("INSERT INTO app_user (user_id, time_zone, daily_step_goal) VALUES (?, ?, ?)", user, timeZone,
				goal);
	}

	/** Sets {@code deleted_at} back to NULL. */
	void undelete(long user) {
		this.jdbc.update("UPDATE app_user SET deleted_at = NULL WHERE user_id = ?", user);
	}

	/**
	 * A reading arriving now for a user that may not exist: at a UTC instant.
	 */
	void lateReadingAt(long user, String metric, String recordedAt, double value) {
		this.jdbc.update("""
				INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
				VALUES (?, ?, CAST(? AS timestamptz), ?, 'late-band')""", user, metric, recordedAt, value);
	}

	void changeStepGoal(long user, int goal) {
		this.jdbc.update("UPDATE app_user SET daily_step_goal = ? WHERE user_id = ?", goal, user);
	}

	void softDelete(long user) {
		this.jdbc.update("UPDATE app_user SET deleted_at = now() WHERE user_id = ?", user);
	}

	/**
	 * Soft-deletes the user and gives them a time zone that may be no zone id, with the
	 * change-log triggers bypassed: only a full check can tell.
	 */
	void softDeleteUnlogged(long user, String timeZone) throws SQLException {
		unlogged(String.format(Locale.ROOT,
				"UPDATE app_user SET deleted_at = now(), time_zone = '%s' WHERE user_id = %d",
				timeZone.replace("'", "''"), user));
	}

	/** Sets the user's time zone to any text, a zone id or not, as the app may. */
	void setTimeZone(long user, String timeZone) {
		this.jdbc.update("UPDATE app_user SET time_zone = ? WHERE user_id = ?", timeZone, user);
	}

	/** The (user, day) keys of the user's rows, as {@code user|day}, sorted. */
	List<String> rows(long user) {
		return this.jdbc.queryForList(
				"SELECT user_id || '|' || score_date FROM health_score WHERE user_id = ? ORDER BY score_date",
				String.class, user);
	}

	void hardDelete(long user) {
		this.jdbc.update("DELETE FROM app_user WHERE user_id = ?", user);
	}

	/**
	 * Deletes score rows as someone would by hand, outside the score writers.
	 * @param table {@code health_score} or one of its partitions
	 * @param where the condition on the rows to delete
	 * @return the (user, day) keys of the deleted rows, as {@code user|day}, sorted
	 */
	List<String> deleteScoresByHand(String table, String where, Object... args) {
		return this.jdbc.queryForList("""
				WITH deleted AS (DELETE FROM %s WHERE %s RETURNING user_id, score_date)
				SELECT user_id || '|' || score_date FROM deleted ORDER BY 1""".formatted(table, where), String.class,
				args);
	}

	/**
	 * Takes away the scores of the days from {@code first} on as if no run had ever
	 * written them: no rows, nothing logged, and no checkpoint covering any day.
	 * @return the (user, day) keys of the rows taken away, as {@code user|day}, sorted
	 */
	List<String> neverScoredFrom(LocalDate first) {
		List<String> deleted = deleteScoresByHand("health_score", "score_date >= ?", first);
		this.jdbc.update("DELETE FROM score_input_change");
		this.jdbc.update("DELETE FROM reconcile_checkpoint");
		return deleted;
	}

	/** Keeps the scores as they are, for {@link #changedRows()}. */
	void snapshotScores() {
		this.jdbc.execute("DROP TABLE IF EXISTS scores_before");
		this.jdbc.execute("CREATE TABLE scores_before AS SELECT * FROM health_score");
	}

	/**
	 * The (user, day) keys whose row appeared, disappeared or changed since the snapshot.
	 */
	List<String> changedRows() {
		return this.jdbc.queryForList("""
				SELECT coalesce(a.user_id, b.user_id) || '|' || coalesce(a.score_date, b.score_date) AS k
				FROM health_score a FULL JOIN scores_before b USING (user_id, score_date)
				WHERE a.user_id IS NULL OR b.user_id IS NULL
				   OR (a.score, a.activity_score, a.sleep_score, a.heart_score, a.completeness, a.algorithm_version)
				      IS DISTINCT FROM
				      (b.score, b.activity_score, b.sleep_score, b.heart_score, b.completeness, b.algorithm_version)
				ORDER BY 1""", String.class);
	}

	/** The (user, day) keys of a job execution's corrections, one per correction. */
	List<String> corrections(long jobExecutionId) {
		return this.jdbc.queryForList("""
				SELECT user_id || '|' || score_date FROM score_correction WHERE job_execution_id = ? ORDER BY 1""",
				String.class, jobExecutionId);
	}

	/** The corrected days of one user in a job execution. */
	List<LocalDate> correctedDays(long jobExecutionId, long user) {
		return this.jdbc.queryForList("""
				SELECT score_date FROM score_correction WHERE job_execution_id = ? AND user_id = ?
				ORDER BY score_date""", LocalDate.class, jobExecutionId, user);
	}

	/** The last reconcile job execution. */
	long lastReconcile() {
		return this.jdbc.queryForObject("""
				SELECT e.job_execution_id FROM batch_job_execution e JOIN batch_job_instance i USING (job_instance_id)
				WHERE i.job_name = 'reconcile' ORDER BY e.job_execution_id DESC LIMIT 1""", Long.class);
	}

	/** An MD5 of each table's full contents, rows in text order. */
	Map<String, String> digests() {
		Map<String, String> digests = new LinkedHashMap<>();
		for (String table : TABLES) {
			digests.put(table, this.jdbc.queryForObject(
					"SELECT md5(coalesce(string_agg(x, E'\\n' ORDER BY x), '')) FROM (SELECT t::text AS x FROM %s t) rows"
						.formatted(table),
					String.class));
		}
		return digests;
	}

	long count(String sql, Object... args) {
		return this.jdbc.queryForObject(sql, Long.class, args);
	}

	/** A reconcile report written with {@code --report}. */
	static JsonNode readReport(Path report) {
		return JSON.readTree(report.toFile());
	}

}
