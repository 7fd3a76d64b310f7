package dev.healthscore.io.reconcile;

import java.util.List;
import java.util.Locale;

/**
 * A half-open range of user ids, {@code [from, to)}: the unit that full reconciliation
 * compares and bisects.
 *
 * @param from the first user id in the range
 * @param to the first user id after the range
 */
public record UserRange(long from, long to) {

	public UserRange {
		if (to <= from) {
			throw new IllegalArgumentException(
					String.format(Locale.ROOT, "Invalid user range, empty or reversed: [%d, %d)", from, to));
		}
	}

	/** How many user ids the range spans. */
	public long width() {
		return this.to - this.from;
	}

	/** The two halves of the range; only for a range at least two ids wide. */
	public List<UserRange> halves() {
		if (width() < 2) {
			throw new IllegalStateException("Cannot split a range of one user id: " + this);
		}
		long middle = this.from + width() / 2;
		return List.of(new UserRange(this.from, middle), new UserRange(middle, this.to));
	}

	@Override
	public String toString() {
		return "[" + this.from + ", " + this.to + ")";
	}

}
