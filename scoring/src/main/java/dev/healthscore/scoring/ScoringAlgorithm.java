package dev.healthscore.scoring;

import java.util.Set;

/**
 * One version of the health score definition. A later version is a new implementation
 * beside the earlier ones, never an edit of them.
 */
public interface ScoringAlgorithm {

	/** The version number stored with every score this algorithm computes. */
	int version();

	/**
	 * How many local days before the first scored day the algorithm needs readings of
	 * (version 1: 28, for the resting heart rate baseline).
	 */
	int lookbackDays();

	/** The metrics whose readings the algorithm takes as input. */
	Set<Metric> inputMetrics();

	/**
	 * The input metrics whose readings of the lookback days (before a scored day) can
	 * change that day's score (version 1: resting heart rate, for the baseline). Callers
	 * that score a few days may give only these metrics' readings for the lookback days;
	 * the scores must not change. Defaults to every input metric.
	 */
	default Set<Metric> lookbackMetrics() {
		return inputMetrics();
	}

	/**
	 * Scores one user over a range of days.
	 * @param inputs the user, the day range and the readings of its lookback window
	 * @return the scores of the days in range and the rejected readings
	 */
	UserScores score(ScoreInputs inputs);

}
