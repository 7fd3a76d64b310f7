package dev.healthscore.scoring.v1;

/**
 * The component scores of version 1, computed exactly as DESIGN.md section 4 writes them:
 * IEEE double arithmetic in the order written, {@link Math#round(double)}, clamping on
 * the rounded integer.
 * <p>
 * Daily aggregates arrive as doubles with {@code NaN} for an absent metric.
 */
final class Components {

	private Components() {
	}

	/**
	 * The activity component, with {@code s = min(1.0, steps / goal)} and
	 * {@code a = min(1.0, active / 30.0)}: {@code round(100.0 * (0.6 * s + 0.4 * a))}
	 * when both are present, {@code round(100.0 * s)} or {@code round(100.0 * a)} when
	 * only one is.
	 * @param steps {@code steps(D)}, or {@code NaN} when absent
	 * @param activeMinutes {@code active(D)}, or {@code NaN} when absent
	 * @param stepGoal the user's daily step goal
	 * @return the component, or {@code null} when both metrics are absent
	 */
	static Integer activity(double steps, double activeMinutes, int stepGoal) {
		boolean hasSteps = !Double.isNaN(steps);
		boolean hasActive = !Double.isNaN(activeMinutes);
		double s = Math.min(1.0, steps / stepGoal);
		double a = Math.min(1.0, activeMinutes / 30.0);
		if (hasSteps && hasActive) {
			return (int) Math.round(100.0 * (0.6 * s + 0.4 * a));
		}
		if (hasSteps) {
			return (int) Math.round(100.0 * s);
		}
		if (hasActive) {
			return (int) Math.round(100.0 * a);
		}
		return null;
	}

	/**
	 * The sleep component, with {@code h = sleep / 60.0}: 100 when
	 * {@code 7.0 <= h <= 9.0}, else {@code max(0, round(100.0 - 25.0 * (7.0 - h)))} below
	 * and {@code max(0, round(100.0 - 20.0 * (h - 9.0)))} above.
	 * @param sleepMinutes {@code sleep(D)}, present
	 * @return the component
	 */
	static int sleep(double sleepMinutes) {
		double h = sleepMinutes / 60.0;
		if (h < 7.0) {
			return (int) Math.max(0, Math.round(100.0 - 25.0 * (7.0 - h)));
		}
		if (h > 9.0) {
			return (int) Math.max(0, Math.round(100.0 - 20.0 * (h - 9.0)));
		}
		return 100;
	}

	/**
	 * The heart component: {@code clamp(round(100.0 - 10.0 * (rhr - baseline)), 0, 100)}
	 * with a baseline, {@code clamp(round(100.0 - 2.0 * (rhr - 60.0)), 0, 100)} without.
	 * @param restingHeartRate {@code rhr(D)}, present
	 * @param baseline the day's baseline, or {@code NaN} when it has none
	 * @return the component
	 */
	static int heart(double restingHeartRate, double baseline) {
		if (Double.isNaN(baseline)) {
			return clamp(Math.round(100.0 - 2.0 * (restingHeartRate - 60.0)));
		}
		return clamp(Math.round(100.0 - 10.0 * (restingHeartRate - baseline)));
	}

	private static int clamp(long rounded) {
		return (int) Math.max(0, Math.min(100, rounded));
	}

}
