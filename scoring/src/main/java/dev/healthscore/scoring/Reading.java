package dev.healthscore.scoring;

import java.time.Instant;

/**
 * One row of {@code health_reading}: a value of a metric recorded by a source for a user.
 *
 * @param userId the user the reading belongs to
 * @param metric what was measured
 * @param recordedAt when the device recorded it
 * @param value the measured value (may be invalid: see {@link ScoringAlgorithm})
 * @param source the device or app that recorded it, e.g. {@code phone} or {@code watch}
 * @param ingestedAt when the reading reached the database
 */
public record Reading(long userId, Metric metric, Instant recordedAt, double value, String source, Instant ingestedAt) {

}
