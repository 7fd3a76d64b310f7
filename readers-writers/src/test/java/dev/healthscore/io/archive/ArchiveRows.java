package dev.healthscore.io.archive;

import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Rows for tests, with the values that break naive archives: NULL, NaN, infinities, -0.0,
 * sub-millisecond timestamps and strings that are not ASCII or hold the field separator.
 */
final class ArchiveRows {

	private ArchiveRows() {
	}

	static long micros(String instant) {
		return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(instant));
	}

	static Object[] reading(long userId, String metric, String recordedAt, Double value, String source) {
		return new Object[] { userId, metric, micros(recordedAt), value, source,
				micros("2025-02-01T00:00:00.000001Z") };
	}

	static List<Object[]> trickyReadings() {
		return List.of(reading(1, "steps", "2025-01-01T00:00:00Z", 0.0, "phone"),
				reading(1, "steps", "2025-01-01T00:00:00.000001Z", -0.0, "phone"),
				reading(1, "heart_rate", "2025-01-15T12:34:56.789123Z", Double.NaN, "watch"),
				reading(2, "heart_rate", "2025-01-15T12:34:56.789999Z", Double.POSITIVE_INFINITY, "watch"),
				reading(2, "heart_rate", "2025-01-15T12:34:56.999999Z", Double.NEGATIVE_INFINITY, "watch"),
				reading(2, "steps", "2025-01-20T00:00:00.5Z", null, "Ünïcødé ⌚ 😀"),
				reading(3, "sleep_minutes", "2025-01-31T23:59:59.999999Z", 4.9e-324, "a|b"),
				reading(3, "sleep_minutes", "2025-01-31T23:59:59.999998Z", 123456.789, "N"),
				reading(-4, "steps", "2025-01-10T10:10:10.000999Z", Double.MAX_VALUE, ""));
	}

	static Object[] score(long userId, String date, Integer score, Float completeness, String inputsAsOf) {
		return new Object[] { userId, (int) LocalDate.parse(date).toEpochDay(), score, 40, null,
				(score != null) ? 77 : null, completeness, 1, micros(inputsAsOf), micros("2025-02-02T03:04:05.123456Z"),
				(score != null) ? 12 : null, (score != null) ? Long.MIN_VALUE + score : null, -userId };
	}

	static List<Object[]> trickyScores() {
		return List.of(score(1, "2025-01-01", 88, 1.0f, "2025-01-02T00:00:00.000001Z"),
				score(1, "2025-01-31", null, 0.4f, "2025-02-01T00:00:00Z"),
				score(2, "2025-01-15", 0, Float.NaN, "2025-01-16T00:00:00.999999Z"),
				score(2, "2025-01-16", 100, -0.0f, "1999-12-31T23:59:59.999999Z"));
	}

}
