package dev.healthscore.io.testing;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import javax.sql.DataSource;

import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;

/**
 * A real PostgreSQL for integration tests, migrated with the project's Flyway scripts,
 * with synthetic rows for January 2025 on request.
 */
public final class TestPostgres implements AutoCloseable {

	private final TemporaryPostgres postgres;

	private TestPostgres(TemporaryPostgres postgres) {
		this.postgres = postgres;
	}

	/**
	 * Starts a server from the UTF-8 template and migrates its {@code postgres} database.
	 */
	public static TestPostgres start() throws IOException {
		TemporaryPostgres postgres = TemporaryPostgres.start(EmbeddedPostgres.builder(), Map.of("encoding", "UTF8"));
		Flyway.configure()
			.dataSource(postgres.getPostgresDatabase())
			.locations("classpath:db/migration")
			.load()
			.migrate();
		return new TestPostgres(postgres);
	}

	/** The migrated {@code postgres} database as its superuser. */
	public DataSource dataSource() {
		return this.postgres.getPostgresDatabase();
	}

	/** A new connection to {@link #dataSource()}. */
	public Connection connection() throws SQLException {
		return dataSource().getConnection();
	}

	/** Runs each statement in turn on one connection, autocommitted. */
	public void execute(String... statements) throws SQLException {
		try (Connection connection = connection(); Statement statement = connection.createStatement()) {
			for (String sql : statements) {
				statement.execute(sql);
			}
		}
	}

	/**
	 * Creates January 2025's partitions and fills them: users 1..{@code users} with time
	 * zones, {@code perMetric} readings of each of five metrics per user (values with
	 * full double precision, some NULL), one score per user and day, plus the edge-case
	 * rows.
	 */
	public void seedJanuary2025(int users, int perMetric) throws SQLException {
		seedReadings(users, perMetric);
		seedScores(users);
		execute("ANALYZE");
	}

	private void seedReadings(int users, int perMetric) throws SQLException {
		execute("SELECT healthscore_ensure_partitions('health_reading', DATE '2025-01-01', DATE '2025-02-01')",
				"SELECT healthscore_ensure_partitions('health_score', DATE '2025-01-01', DATE '2025-02-01')",
				"SELECT setseed(0.42)",
				"INSERT INTO app_user (user_id, time_zone, daily_step_goal) SELECT u, (ARRAY['UTC', 'America/New_York',"
						+ " 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Sydney'])[1 + u % 5], 6000 + (u % 5) * 1000"
						+ " FROM generate_series(1, " + users + ") u",
				"INSERT INTO health_reading (user_id, metric, recorded_at, value, source, ingested_at)"
						+ " SELECT u, m, timestamptz '2025-01-01 00:00:00+00' + i * (interval '31 days' / " + perMetric
						+ ") + ((u * 7919 + i * 104729) % 1000000) * interval '1 microsecond',"
						+ " CASE WHEN i % 97 = 0 THEN NULL WHEN m = 'steps' THEN floor(random() * 20000)"
						+ " ELSE random() * 200 END, (ARRAY['phone', 'watch'])[1 + (u + i) % 2],"
						+ " timestamptz '2025-01-01 00:05:00+00' + i * (interval '31 days' / " + perMetric
						+ ") + floor(random() * 1e9) * interval '1 microsecond'" + " FROM generate_series(1, " + users
						+ ") u, unnest(ARRAY['steps', 'active_minutes',"
						+ " 'sleep_minutes', 'resting_heart_rate', 'heart_rate']) m, generate_series(0, "
						+ (perMetric - 1) + ") i",
				"INSERT INTO health_reading (user_id, metric, recorded_at, value, source, ingested_at) VALUES"
						+ " (1, 'steps', '2025-01-01 00:00:00+00', 0.0, 'edge', '2025-01-01 00:00:00.000001+00'),"
						+ " (1, 'steps', '2025-01-01 00:00:00.000001+00', '-0', 'edge', '2025-01-02 00:00:00+00'),"
						+ " (1, 'heart_rate', '2025-01-15 12:34:56.789123+00', 'NaN', 'edge', '2025-01-16 00:00:00+00'),"
						+ " (2, 'heart_rate', '2025-01-15 12:34:56.789999+00', 'Infinity', 'edge', now()),"
						+ " (2, 'heart_rate', '2025-01-15 12:34:56.999999+00', '-Infinity', 'edge', now()),"
						+ " (2, 'steps', '2025-01-20 00:00:00.5+00', NULL, 'Ünïcødé ⌚ 😀', now()),"
						+ " (3, 'sleep_minutes', '2025-01-31 23:59:59.999999+00', 4.9e-324, 'a|b', now()),"
						+ " (3, 'sleep_minutes', '2025-01-31 23:59:59.999998+00', 1.7976931348623157e308, 'N', now()),"
						+ " (0, 'ställe', '2025-01-10 10:10:10.000999+00', 123456.789, '', now()),"
						// a NaN made by arithmetic: on x86 its sign bit is set
						+ " (9, 'steps', '2025-01-05 00:00:00+00', 'Infinity'::float8 * 0, 'computed', now())");
	}

	private void seedScores(int users) throws SQLException {
		// fingerprints as recompute writes them, NULL as in rows scored before they
		// existed
		execute("INSERT INTO health_score (user_id, score_date, score, activity_score, sleep_score, heart_score,"
				+ " completeness, algorithm_version, inputs_as_of, computed_at, input_count, input_hash, row_hash)"
				+ " SELECT u, DATE '2025-01-01' + d, CASE WHEN (u + d) % 11 = 0 THEN NULL ELSE floor(random() * 101) END,"
				+ " floor(random() * 101), floor(random() * 101), CASE WHEN (u * d) % 7 = 0 THEN NULL"
				+ " ELSE floor(random() * 101) END, (ARRAY[0.4, 0.6, 0.75, 1.0])[1 + (u + d) % 4], 1,"
				+ " timestamptz '2025-01-02 00:00:00+00' + d * interval '1 day'"
				+ " + floor(random() * 1e6) * interval '1 microsecond',"
				+ " timestamptz '2025-01-02 02:00:00+00' + d * interval '1 day'"
				+ " + floor(random() * 1e9) * interval '1 microsecond',"
				+ " CASE WHEN d % 9 = 0 THEN NULL ELSE (u * d) % 500 END,"
				+ " CASE WHEN d % 9 = 0 THEN NULL ELSE hashtextextended(u || '/' || d, 1) END,"
				+ " CASE WHEN d % 9 = 0 THEN NULL ELSE hashtextextended(u || '/' || d, 2) END"
				+ " FROM generate_series(1, " + users + ") u, generate_series(0, 30) d",
				"INSERT INTO health_score (user_id, score_date, score, activity_score, sleep_score, heart_score,"
						+ " completeness, algorithm_version, inputs_as_of, computed_at, input_count, input_hash,"
						+ " row_hash) VALUES"
						+ " (0, '2025-01-15', 0, NULL, NULL, NULL, 'NaN', 1, '2025-01-16 00:00:00.999999+00', now(),"
						+ " 0, -9223372036854775808, 9223372036854775807),"
						+ " (0, '2025-01-16', 100, 100, 100, 100, '-0', 2, '1999-12-31 23:59:59.999999+00', now(),"
						+ " 2147483647, 0, -1),"
						+ " (0, '2025-01-17', 1, 1, 1, 1, 'Infinity'::real * 0, 1, '2025-01-18 00:00:00+00', now(),"
						+ " NULL, NULL, NULL)");
	}

	@Override
	public void close() throws IOException {
		this.postgres.close();
	}

}
