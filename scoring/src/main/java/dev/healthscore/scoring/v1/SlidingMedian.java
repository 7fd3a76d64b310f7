package dev.healthscore.scoring.v1;

import java.util.Arrays;
import java.util.Locale;

/**
 * The median of a small multiset of values that changes by one value at a time, kept as a
 * sorted array.
 */
final class SlidingMedian {

	private final double[] sorted;

	private int size;

	/**
	 * Creates an empty median.
	 * @param capacity the most values it holds at once
	 */
	SlidingMedian(int capacity) {
		this.sorted = new double[capacity];
	}

	/** The number of values held. */
	int size() {
		return this.size;
	}

	/** Adds a value. */
	void add(double value) {
		if (this.size == this.sorted.length) {
			throw new IllegalStateException(
					String.format(Locale.ROOT, "Cannot add %s, already holding %d values", value, this.size));
		}
		int at = this.size;
		while (at > 0 && this.sorted[at - 1] > value) {
			this.sorted[at] = this.sorted[at - 1];
			at--;
		}
		this.sorted[at] = value;
		this.size++;
	}

	/** Removes one occurrence of a value that was added before. */
	void remove(double value) {
		int at = Arrays.binarySearch(this.sorted, 0, this.size, value);
		if (at < 0) {
			throw new IllegalStateException("Cannot remove %s, it is not held".formatted(value));
		}
		System.arraycopy(this.sorted, at + 1, this.sorted, at, this.size - at - 1);
		this.size--;
	}

	/**
	 * The median of the values held: the middle one for an odd count, the mean of the two
	 * middle ones, {@code (a + b) / 2.0}, for an even count.
	 */
	double median() {
		if (this.size == 0) {
			throw new IllegalStateException("Cannot take the median of no values");
		}
		int middle = this.size / 2;
		if (this.size % 2 == 1) {
			return this.sorted[middle];
		}
		return (this.sorted[middle - 1] + this.sorted[middle]) / 2.0;
	}

}
