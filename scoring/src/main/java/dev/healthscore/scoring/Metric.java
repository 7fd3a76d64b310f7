package dev.healthscore.scoring;

import java.util.Arrays;
import java.util.Optional;

/**
 * A kind of reading, with its name in the {@code health_reading.metric} column and its
 * valid value range.
 */
public enum Metric {

	/** Step count of one sample; summed per source over a day. */
	STEPS("steps", 0, 50_000),

	/** Active minutes of one sample; summed per source over a day. */
	ACTIVE_MINUTES("active_minutes", 0, 1440),

	/**
	 * Minutes of one sleep session, recorded at wake-up; summed per source over a day.
	 */
	SLEEP_MINUTES("sleep_minutes", 0, 1440),

	/** Resting heart rate in beats per minute; the day's minimum counts. */
	RESTING_HEART_RATE("resting_heart_rate", 25, 250),

	/** Heart rate samples in beats per minute; archived, not scored in version 1. */
	HEART_RATE("heart_rate", 25, 250);

	private final String columnValue;

	private final double min;

	private final double max;

	Metric(String columnValue, double min, double max) {
		this.columnValue = columnValue;
		this.min = min;
		this.max = max;
	}

	/** The metric's name as stored in {@code health_reading.metric}. */
	public String columnValue() {
		return this.columnValue;
	}

	/** The smallest valid value, inclusive. */
	public double min() {
		return this.min;
	}

	/** The largest valid value, inclusive. */
	public double max() {
		return this.max;
	}

	/**
	 * The metric stored as {@code columnValue}, or empty for a metric this model does not
	 * know.
	 */
	public static Optional<Metric> fromColumnValue(String columnValue) {
		return Arrays.stream(values()).filter((metric) -> metric.columnValue.equals(columnValue)).findFirst();
	}

}
