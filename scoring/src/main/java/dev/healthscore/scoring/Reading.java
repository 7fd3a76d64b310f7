package dev.healthscore.scoring;

import java.time.Instant;

/**
 * One row of {@code health_reading}: a value of a metric recorded by a source for a user.
 * <p>
 * A row whose {@code value} is SQL {@code NULL} is a reading {@linkplain #withNullValue
 * without a value}: its {@code value} reads as {@code NaN} and {@link #valueNull()} tells
 * it from a stored {@code NaN}, so that it is rejected for its own reason.
 *
 * @param userId the user the reading belongs to
 * @param metric what was measured
 * @param recordedAt when the device recorded it
 * @param value the measured value (may be invalid: see {@link ScoringAlgorithm}),
 * {@code NaN} when {@code valueNull}
 * @param source the device or app that recorded it, e.g. {@code phone} or {@code watch}
 * @param ingestedAt when the reading reached the database
 * @param valueNull whether the stored value is SQL {@code NULL}
 */
public record Reading(long userId, Metric metric, Instant recordedAt, double value, String source, Instant ingestedAt,
		boolean valueNull) {

	/** Keeps {@code value} {@code NaN} for a reading without a value. */
	public Reading {
		if (valueNull) {
			value = Double.NaN;
		}
	}

	/** Creates a reading with a value (which may still be invalid). */
	public Reading(long userId, Metric metric, Instant recordedAt, double value, String source, Instant ingestedAt) {
		this(userId, metric, recordedAt, value, source, ingestedAt, false);
	}

	/**
	 * Creates a reading whose stored value is SQL {@code NULL}.
	 * @param userId the user the reading belongs to
	 * @param metric what was measured
	 * @param recordedAt when the device recorded it
	 * @param source the device or app that recorded it
	 * @param ingestedAt when the reading reached the database
	 * @return the reading, with {@code value} {@code NaN} and {@code valueNull} true
	 */
	public static Reading withNullValue(long userId, Metric metric, Instant recordedAt, String source,
			Instant ingestedAt) {
		return new Reading(userId, metric, recordedAt, Double.NaN, source, ingestedAt, true);
	}

}
