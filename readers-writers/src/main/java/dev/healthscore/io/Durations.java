package dev.healthscore.io;

import java.time.Duration;

/**
 * Writes a duration in messages as an operator writes it in a setting ({@code 7d},
 * {@code 10m}, {@code 30s}, {@code 1500ms}) rather than as {@link Duration#toString()}
 * does ({@code PT168H}): in the largest unit that holds it whole, so that the text can be
 * set again as it is.
 */
public final class Durations {

	private static final long NANOS_PER_SECOND = 1_000_000_000L;

	/** Units from the largest, in seconds or (below a second) nanoseconds. */
	private static final long[] SECONDS = { 86_400, 3_600, 60, 1 };

	private static final String[] SECOND_UNITS = { "d", "h", "m", "s" };

	private static final long[] NANOS = { 1_000_000, 1_000, 1 };

	private static final String[] NANO_UNITS = { "ms", "us", "ns" };

	private Durations() {
	}

	/**
	 * Returns a duration as a setting would give it: {@code 7d} for seven days,
	 * {@code 90m} for an hour and a half, {@code -5ms}, {@code 0s}.
	 * @param duration the duration, may be null
	 * @return the text, {@code "null"} for null
	 */
	public static String format(Duration duration) {
		if (duration == null) {
			return "null";
		}
		if (duration.isZero()) {
			return "0s";
		}
		if (duration.isNegative()) {
			if (duration.getSeconds() == Long.MIN_VALUE) {
				return duration.toString(); // no positive counterpart
			}
			return "-" + format(duration.negated());
		}
		long seconds = duration.getSeconds();
		int nanos = duration.getNano();
		if (nanos == 0) {
			for (int i = 0; i < SECONDS.length; i++) {
				if (seconds % SECONDS[i] == 0) {
					return (seconds / SECONDS[i]) + SECOND_UNITS[i];
				}
			}
		}
		for (int i = 0; i < NANOS.length; i++) {
			if (nanos % NANOS[i] == 0) {
				try {
					return Math.addExact(Math.multiplyExact(seconds, NANOS_PER_SECOND / NANOS[i]), nanos / NANOS[i])
							+ NANO_UNITS[i];
				}
				catch (ArithmeticException ex) {
					break;
				}
			}
		}
		return duration.toString(); // more nanoseconds than a long holds
	}

}
