package dev.healthscore.io.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.util.Assert;

/**
 * Finds the narrow user ranges where two sides disagree, as data-diff does: compares the
 * checksums of contiguous ranges and splits only the ranges that differ, until they are
 * at most {@code leafWidth} user ids wide. With k differing users among n, it compares
 * about {@code 2 k log2(n / leafWidth)} ranges instead of reading every row twice. A
 * range whose two halves both differ is not split further but returned whole: its
 * differences are spread, and another level would read its rows again for little
 * narrowing.
 */
public final class Bisection {

	private final Side expected;

	private final Side actual;

	private final long leafWidth;

	/**
	 * Creates a bisection of two sides.
	 * @param expected the side that is right
	 * @param actual the side that is checked
	 * @param leafWidth the width at which a differing range is not split further
	 */
	public Bisection(Side expected, Side actual, long leafWidth) {
		Assert.notNull(expected, "An expected side is required");
		Assert.notNull(actual, "An actual side is required");
		Assert.isTrue(leafWidth > 0, () -> "leafWidth must be positive, was " + leafWidth);
		this.expected = expected;
		this.actual = actual;
		this.leafWidth = leafWidth;
	}

	/**
	 * Compares the segments, then the halves of every differing one, and so on.
	 * @param segments contiguous ranges in user id order
	 * @return the differing ranges, at most {@code leafWidth} wide unless both their
	 * halves differ, in user id order, and what it took to find them
	 */
	public Result run(List<UserRange> segments) {
		checkContiguous(segments);
		List<UserRange> leaves = new ArrayList<>();
		List<UserRange> differing = new ArrayList<>();
		for (UserRange segment : differing(segments)) {
			((segment.width() <= this.leafWidth) ? leaves : differing).add(segment);
		}
		int compared = segments.size();
		int comparisons = 1;
		int levels = 1;
		while (!differing.isEmpty()) {
			List<UserRange> next = new ArrayList<>();
			for (UserRange parent : differing) {
				List<UserRange> halves = parent.halves();
				List<UserRange> differingHalves = differing(halves);
				compared += 2;
				comparisons++;
				if (differingHalves.size() == 2) {
					// the differences are spread: halving again would read the same rows
					// again for little narrowing, so the parent is compared row by row
					leaves.add(parent);
				}
				else {
					for (UserRange half : differingHalves) {
						((half.width() <= this.leafWidth) ? leaves : next).add(half);
					}
				}
			}
			differing = next;
			levels++;
		}
		leaves.sort((a, b) -> Long.compare(a.from(), b.from()));
		return new Result(leaves, compared, comparisons, levels);
	}

	private List<UserRange> differing(List<UserRange> ranges) {
		List<RangeChecksum> left = this.expected.checksums(ranges);
		List<RangeChecksum> right = this.actual.checksums(ranges);
		Assert.state(left.size() == ranges.size() && right.size() == ranges.size(),
				() -> String.format(Locale.ROOT, "Expected one checksum per range, got %d and %d for %d ranges",
						left.size(), right.size(), ranges.size()));
		List<UserRange> differing = new ArrayList<>();
		for (int i = 0; i < ranges.size(); i++) {
			if (!left.get(i).equals(right.get(i))) {
				differing.add(ranges.get(i));
			}
		}
		return differing;
	}

	private static void checkContiguous(List<UserRange> segments) {
		Assert.notEmpty(segments, "At least one segment is required");
		for (int i = 1; i < segments.size(); i++) {
			UserRange before = segments.get(i - 1);
			UserRange range = segments.get(i);
			Assert.isTrue(before.to() == range.from(),
					() -> "Invalid segments, not contiguous: %s then %s".formatted(before, range));
		}
	}

	/** One side of the comparison: checksums of ranges, computed however it likes. */
	@FunctionalInterface
	public interface Side {

		/**
		 * Returns the checksum of each range.
		 * @param ranges contiguous ranges in user id order
		 * @return one checksum per range, in the same order
		 */
		List<RangeChecksum> checksums(List<UserRange> ranges);

	}

	/**
	 * What a bisection found.
	 *
	 * @param leaves the differing ranges, each at most {@code leafWidth} wide or with
	 * both halves differing
	 * @param rangesCompared how many ranges had their checksums compared
	 * @param comparisons how many calls each side answered
	 * @param levels how many levels deep the bisection went
	 */
	public record Result(List<UserRange> leaves, int rangesCompared, int comparisons, int levels) {

	}

}
