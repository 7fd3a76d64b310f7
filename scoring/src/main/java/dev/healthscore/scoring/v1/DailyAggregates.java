package dev.healthscore.scoring.v1;

import java.util.Arrays;

import dev.healthscore.scoring.Metric;

/**
 * The daily aggregates of one user's valid readings, in arrays indexed by the day's
 * number in the window.
 * <p>
 * {@code steps}, {@code active_minutes} and {@code sleep_minutes} are summed per source,
 * then the maximum over sources counts; {@code resting_heart_rate} is the day's minimum
 * over all sources. An absent metric reads as {@code NaN}.
 */
final class DailyAggregates {

	private final SourceSums steps;

	private final SourceSums activeMinutes;

	private final SourceSums sleepMinutes;

	private final double[] restingHeartRate;

	DailyAggregates(int dayCount) {
		this.steps = new SourceSums(dayCount);
		this.activeMinutes = new SourceSums(dayCount);
		this.sleepMinutes = new SourceSums(dayCount);
		this.restingHeartRate = new double[dayCount];
		Arrays.fill(this.restingHeartRate, Double.NaN);
	}

	/**
	 * Adds a valid reading of a scored metric.
	 * @param metric the reading's metric, one of {@link HealthScoreV1#INPUT_METRICS}
	 * @param day the number of the reading's local day
	 * @param source the reading's source
	 * @param value the reading's value
	 */
	void add(Metric metric, int day, String source, double value) {
		switch (metric) {
			case STEPS -> this.steps.add(day, source, value);
			case ACTIVE_MINUTES -> this.activeMinutes.add(day, source, value);
			case SLEEP_MINUTES -> this.sleepMinutes.add(day, source, value);
			case RESTING_HEART_RATE -> addRestingHeartRate(day, value);
			default -> throw new IllegalArgumentException("Cannot aggregate metric %s".formatted(metric));
		}
	}

	private void addRestingHeartRate(int day, double value) {
		double min = this.restingHeartRate[day];
		if (Double.isNaN(min) || value < min) {
			this.restingHeartRate[day] = value;
		}
	}

	/** {@code steps(D)}, or {@code NaN} when absent. */
	double steps(int day) {
		return this.steps.max(day);
	}

	/** {@code active(D)}, or {@code NaN} when absent. */
	double activeMinutes(int day) {
		return this.activeMinutes.max(day);
	}

	/** {@code sleep(D)}, or {@code NaN} when absent. */
	double sleepMinutes(int day) {
		return this.sleepMinutes.max(day);
	}

	/** {@code rhr(D)} of every day of the window, {@code NaN} where absent. */
	double[] restingHeartRates() {
		return this.restingHeartRate;
	}

}
