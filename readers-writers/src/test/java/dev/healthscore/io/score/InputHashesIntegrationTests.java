package dev.healthscore.io.score;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import dev.healthscore.io.testing.TestPostgres;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.UserProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link InputHashes} and the database functions of migration V3 hash the same inputs to
 * the same numbers: PostgreSQL's Jenkins hash ported to Java, every tail length and edge
 * value included.
 */
class InputHashesIntegrationTests {

	private static TestPostgres postgres;

	private static JdbcTemplate jdbc;

	private final InputHashes hashes = new InputHashes();

	@BeforeAll
	static void start() throws IOException {
		postgres = TestPostgres.start();
		jdbc = new JdbcTemplate(postgres.dataSource());
	}

	@AfterAll
	static void stop() throws IOException {
		postgres.close();
	}

	@Test
	void readingHashesAgreeWithTheDatabase() {
		List<Reading> readings = List.of(reading(Metric.STEPS, "2025-01-01T00:00:00Z", 0.0, "phone"),
				reading(Metric.STEPS, "2025-01-01T00:00:00.000001Z", -0.0, "phone"),
				reading(Metric.ACTIVE_MINUTES, "2024-12-31T23:59:59.999999Z", 1e-300, "watch"),
				reading(Metric.SLEEP_MINUTES, "2025-06-30T07:12:34.567891Z", 437.25, "Ünïcode ⌚ band"),
				reading(Metric.RESTING_HEART_RATE, "1969-12-31T23:59:59.5Z", 61.0, ""),
				reading(Metric.RESTING_HEART_RATE, "2038-01-19T03:14:08Z", 0.1 + 0.2, "it's"),
				reading(Metric.HEART_RATE, "1999-12-31T23:59:59.999999Z", -1e308, "before the epoch of 2000"),
				reading(Metric.STEPS, "2025-01-01T00:00:00Z", Double.NaN, "nan"),
				reading(Metric.STEPS, "2025-01-01T00:00:00Z", Double.POSITIVE_INFINITY, "inf"));
		long sum = 0;
		for (Reading reading : readings) {
			long expected = databaseHash(reading);
			assertThat(this.hashes.reading(reading)).as(reading.toString()).isEqualTo(expected);
			sum += expected;
		}
		Long wrapped = jdbc.queryForObject("SELECT healthscore_wrap64(sum(h::numeric)) FROM unnest(?::bigint[]) h",
				Long.class, (Object) readings.stream().map(this.hashes::reading).toArray(Long[]::new));
		assertThat(wrapped).isEqualTo(sum);
	}

	@Test
	void textsOfEveryLengthHashAsTheDatabaseHashesThem() {
		StringBuilder source = new StringBuilder();
		for (int length = 0; length <= 40; length++) {
			Reading reading = reading(Metric.STEPS, "2025-03-01T12:00:00Z", length * 100.25, source.toString());
			assertThat(this.hashes.reading(reading)).as("source of %d chars", length).isEqualTo(databaseHash(reading));
			source.append((length % 7 == 3) ? "é" : "s");
		}
	}

	@Test
	void profileHashesAgreeWithTheDatabase() {
		for (String zone : List.of("UTC", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham")) {
			UserProfile user = new UserProfile(1, ZoneId.of(zone), 7500, false);
			assertThat(this.hashes.profile(user))
				.isEqualTo(jdbc.queryForObject("SELECT healthscore_profile_hash(?, ?)", Long.class, 7500, zone));
		}
	}

	private static long databaseHash(Reading reading) {
		return jdbc.queryForObject("SELECT healthscore_reading_hash(?, ?, ?, ?)", Long.class,
				reading.metric().columnValue(), Timestamp.from(reading.recordedAt()), reading.source(),
				reading.value());
	}

	private static Reading reading(Metric metric, String recordedAt, double value, String source) {
		Instant at = Instant.parse(recordedAt);
		return new Reading(1, metric, at, value, source, at);
	}

}
