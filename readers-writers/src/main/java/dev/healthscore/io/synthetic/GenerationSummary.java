package dev.healthscore.io.synthetic;

import java.time.Duration;

/**
 * What a generation wrote.
 *
 * @param users users written
 * @param readings readings written
 * @param invalidReadings readings written with a deliberately invalid value, time or user
 * @param elapsed how long it took
 */
public record GenerationSummary(long users, long readings, long invalidReadings, Duration elapsed) {

	/** Readings written per second. */
	public double readingsPerSecond() {
		return this.readings / Math.max(1e-9, this.elapsed.toNanos() / 1e9);
	}

}
