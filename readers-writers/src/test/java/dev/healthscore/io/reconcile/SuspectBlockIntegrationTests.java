package dev.healthscore.io.reconcile;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.healthscore.io.testing.TestPostgres;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.v1.HealthScoreV1;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SuspectBlock} reads exactly the readings that scoring the suspect days again
 * needs, and reads the lookback metric's 28 days from its partial index alone.
 */
class SuspectBlockIntegrationTests {

	private static final long INSTANCE = 7;

	private static final List<LocalDate> SUSPECT_DAYS = List.of(LocalDate.parse("2025-01-12"),
			LocalDate.parse("2025-01-13"), LocalDate.parse("2025-01-29"));

	private static final HealthScoreV1 ALGORITHM = new HealthScoreV1();

	private static TestPostgres postgres;

	private static JdbcTemplate jdbc;

	@BeforeAll
	static void start() throws IOException, SQLException {
		postgres = TestPostgres.start();
		// five metrics, 300 readings each per user over January: 2.5 hours apart
		postgres.seedJanuary2025(12, 300);
		jdbc = new JdbcTemplate(postgres.dataSource());
		for (long user = 1; user <= 12; user += 2) {
			for (LocalDate day : SUSPECT_DAYS) {
				jdbc.update("INSERT INTO reconcile_suspect VALUES (?, ?, ?, ARRAY['late_data'])", INSTANCE, user, day);
			}
		}
		// the visibility map an index-only scan needs, as autovacuum keeps it
		postgres.execute("VACUUM ANALYZE health_reading");
	}

	@AfterAll
	static void stop() throws IOException {
		postgres.close();
	}

	@Test
	void readsEachSuspectDayOfEveryInputMetricAndTheLookbackDaysOfTheLookbackMetric() throws SQLException {
		List<ReconcileWork> work;
		try (Connection connection = postgres.connection()) {
			work = block().load(connection, new SuspectBlock.Users(1, 12), Instant.now());
		}
		assertThat(work).extracting(ReconcileWork::userId).containsExactly(1L, 3L, 5L, 7L, 9L, 11L);
		for (ReconcileWork user : work) {
			Set<String> read = new HashSet<>();
			for (ScoreInputs inputs : user.inputs()) {
				inputs.readings().forEach((reading) -> read.add(describe(reading)));
			}
			assertThat(read).as("readings of user %d", user.userId())
				.isNotEmpty()
				.isEqualTo(expected(user.userId(), user.user().timeZone().getId()));
		}
	}

	@Test
	void readsTheLookbackDaysOfTheLookbackMetricFromItsIndexAlone() throws SQLException {
		Windows windows = new Windows();
		Windows lookback = new Windows();
		for (long user = 1; user <= 12; user++) {
			windows.add(user, Metric.STEPS, Instant.parse("2025-01-20T00:00:00Z"),
					Instant.parse("2025-01-21T00:00:00Z"));
			lookback.add(user, Metric.RESTING_HEART_RATE, Instant.parse("2025-01-01T00:00:00Z"),
					Instant.parse("2025-01-30T00:00:00Z"));
		}
		String copy = SuspectBlock.readingsQuery(windows, Map.of(Metric.RESTING_HEART_RATE, lookback));
		String query = copy.substring("COPY (".length(), copy.lastIndexOf(") TO STDOUT"));
		StringBuilder plan = new StringBuilder();
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			// whatever the planner thinks of twelve users' tables: which index can answer
			statement.execute("SET enable_seqscan = off");
			statement.execute("SET enable_bitmapscan = off");
			try (ResultSet lines = statement.executeQuery("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + query)) {
				while (lines.next()) {
					plan.append(lines.getString(1)).append('\n');
				}
			}
		}
		assertThat(plan).contains("Index Only Scan using health_reading_2025_01_user_id_recorded_at")
			.contains("Heap Fetches: 0")
			.contains("Index Scan using health_reading_2025_01_pkey");
	}

	private static SuspectBlock block() {
		return new SuspectBlock(INSTANCE, ALGORITHM.lookbackDays(), ALGORITHM.inputMetrics(),
				ALGORITHM.lookbackMetrics());
	}

	/**
	 * The readings of the suspect days, local to the user's time zone, of every input
	 * metric, and of the lookback metric's days before each: found by SQL alone.
	 */
	private static Set<String> expected(long userId, String zone) {
		String inputs = ALGORITHM.inputMetrics()
			.stream()
			.map((metric) -> "'" + metric.columnValue() + "'")
			.collect(Collectors.joining(","));
		String lookback = ALGORITHM.lookbackMetrics()
			.stream()
			.map((metric) -> "'" + metric.columnValue() + "'")
			.collect(Collectors.joining(","));
		String sql = String.format(Locale.ROOT, """
				SELECT DISTINCT h.metric, h.recorded_at, h.value, h.source, h.ingested_at
				FROM health_reading h JOIN reconcile_suspect s ON s.user_id = h.user_id AND s.job_instance_id = %d
				WHERE h.user_id = ? AND h.metric IN (%s)
				  AND h.recorded_at < (s.score_date + 1)::timestamp AT TIME ZONE ?
				  AND h.recorded_at >= (s.score_date - CASE WHEN h.metric IN (%s) THEN %d ELSE 0 END)::timestamp
				                       AT TIME ZONE ?""", INSTANCE, inputs, lookback, ALGORITHM.lookbackDays());
		return new HashSet<>(jdbc.query(sql,
				(rs, row) -> rs.getString(1) + "|" + rs.getObject(2, OffsetDateTime.class).toInstant() + "|"
						+ rs.getObject(3) + "|" + rs.getString(4) + "|"
						+ rs.getObject(5, OffsetDateTime.class).toInstant(),
				userId, zone, zone));
	}

	private static String describe(Reading reading) {
		return reading.metric().columnValue() + "|" + reading.recordedAt() + "|"
				+ (reading.valueNull() ? null : reading.value()) + "|" + reading.source() + "|" + reading.ingestedAt();
	}

}
