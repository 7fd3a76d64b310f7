package dev.healthscore.scoring.v1;

import java.util.Arrays;
import java.util.Objects;

/**
 * The per-source daily sums of one metric, reduced to the maximum over sources so that a
 * phone and a watch that both count steps are not added up.
 * <p>
 * A day a source has no reading on holds {@code NaN}: valid values are finite, so
 * {@code NaN} can only mean absent.
 */
final class SourceSums {

	private static final int INITIAL_SOURCES = 2;

	private final int dayCount;

	private String[] sources = new String[INITIAL_SOURCES];

	private double[][] sums = new double[INITIAL_SOURCES][];

	private int sourceCount;

	SourceSums(int dayCount) {
		this.dayCount = dayCount;
	}

	/** Adds a valid value recorded by a source to a day's sum of that source. */
	void add(int day, String source, double value) {
		// Look the source up first: adding it may replace this.sums.
		int index = indexOf(source);
		double[] daily = this.sums[index];
		double sum = daily[day];
		daily[day] = Double.isNaN(sum) ? value : sum + value;
	}

	/**
	 * Returns the largest per-source sum of a day.
	 * @param day the day's number
	 * @return the largest sum, or {@code NaN} when no source has a reading that day
	 */
	double max(int day) {
		double max = Double.NaN;
		for (int i = 0; i < this.sourceCount; i++) {
			double sum = this.sums[i][day];
			if (!Double.isNaN(sum) && (Double.isNaN(max) || sum > max)) {
				max = sum;
			}
		}
		return max;
	}

	private int indexOf(String source) {
		// Users have a handful of sources: a linear scan beats hashing.
		for (int i = 0; i < this.sourceCount; i++) {
			String known = this.sources[i];
			if (known == source || Objects.equals(known, source)) {
				return i;
			}
		}
		return addSource(source);
	}

	private int addSource(String source) {
		if (this.sourceCount == this.sources.length) {
			this.sources = Arrays.copyOf(this.sources, this.sourceCount * 2);
			this.sums = Arrays.copyOf(this.sums, this.sourceCount * 2);
		}
		double[] daily = new double[this.dayCount];
		Arrays.fill(daily, Double.NaN);
		this.sources[this.sourceCount] = source;
		this.sums[this.sourceCount] = daily;
		return this.sourceCount++;
	}

}
