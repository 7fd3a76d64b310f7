package dev.healthscore.scoring.v1;

import java.util.Arrays;
import java.util.Locale;

/**
 * The resting heart rate baseline of each day: the median of {@code rhr(d)} over the
 * present days d in {@code D-28..D-1}, defined only when at least 7 such days exist.
 */
final class HeartBaselines {

	/** How many days before a day its baseline looks at. */
	static final int WINDOW_DAYS = 28;

	/** The fewest present days a baseline is defined on. */
	static final int MIN_PRESENT_DAYS = 7;

	private HeartBaselines() {
	}

	/**
	 * Computes the baselines of days {@code firstDay..} from daily resting heart rates,
	 * sliding a 28-day window over them.
	 * @param restingHeartRates {@code rhr(d)} by day number, {@code NaN} where absent
	 * @param firstDay the first day to compute a baseline for; at least
	 * {@link #WINDOW_DAYS}, so that its whole window is in the array
	 * @return baselines by day number, {@code NaN} before {@code firstDay} and where
	 * undefined
	 */
	static double[] compute(double[] restingHeartRates, int firstDay) {
		if (firstDay < WINDOW_DAYS) {
			throw new IllegalArgumentException(String.format(Locale.ROOT,
					"Invalid first day %d, it needs %d days before it", firstDay, WINDOW_DAYS));
		}
		double[] baselines = new double[restingHeartRates.length];
		Arrays.fill(baselines, Double.NaN);
		SlidingMedian window = new SlidingMedian(WINDOW_DAYS);
		for (int day = firstDay - WINDOW_DAYS; day < firstDay; day++) {
			addIfPresent(window, restingHeartRates[day]);
		}
		for (int day = firstDay; day < restingHeartRates.length; day++) {
			if (window.size() >= MIN_PRESENT_DAYS) {
				baselines[day] = window.median();
			}
			double leaving = restingHeartRates[day - WINDOW_DAYS];
			if (!Double.isNaN(leaving)) {
				window.remove(leaving);
			}
			addIfPresent(window, restingHeartRates[day]);
		}
		return baselines;
	}

	private static void addIfPresent(SlidingMedian window, double value) {
		if (!Double.isNaN(value)) {
			window.add(value);
		}
	}

}
