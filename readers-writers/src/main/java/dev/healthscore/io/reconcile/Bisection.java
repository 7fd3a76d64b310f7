package dev.healthscore.io.reconcile;

import java.util.ArrayList;
import java.util.List;

import org.springframework.util.Assert;

/**
 * Finds the narrow user ranges where two sides disagree, as data-diff does: compares the
 * checksums of contiguous ranges and splits only the ranges that differ, until they are
 * at most {@code leafWidth} user ids wide. With k differing users among n, it compares
 * about {@code 2 k log2(n / leafWidth)} ranges instead of reading every row twice.
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
	 * @return the differing ranges at most {@code leafWidth} wide, in user id order, and
	 * what it took to find them
	 */
	public Result run(List<UserRange> segments) {
		checkContiguous(segments);
		List<UserRange> leaves = new ArrayList<>();
		List<UserRange> differing = new ArrayList<>();
		int compared = compare(segments, leaves, differing);
		int comparisons = 1;
		int levels = 1;
		while (!differing.isEmpty()) {
			List<UserRange> next = new ArrayList<>();
			for (UserRange parent : differing) {
				compared += compare(parent.halves(), leaves, next);
				comparisons++;
			}
			differing = next;
			levels++;
		}
		leaves.sort((a, b) -> Long.compare(a.from(), b.from()));
		return new Result(leaves, compared, comparisons, levels);
	}

	private int compare(List<UserRange> ranges, List<UserRange> leaves, List<UserRange> differing) {
		List<RangeChecksum> left = this.expected.checksums(ranges);
		List<RangeChecksum> right = this.actual.checksums(ranges);
		Assert.state(left.size() == ranges.size() && right.size() == ranges.size(),
				() -> "Expected one checksum per range, got %d and %d for %d ranges".formatted(left.size(),
						right.size(), ranges.size()));
		for (int i = 0; i < ranges.size(); i++) {
			if (!left.get(i).equals(right.get(i))) {
				UserRange range = ranges.get(i);
				((range.width() <= this.leafWidth) ? leaves : differing).add(range);
			}
		}
		return ranges.size();
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
	 * @param leaves the differing ranges, each at most {@code leafWidth} wide
	 * @param rangesCompared how many ranges had their checksums compared
	 * @param comparisons how many calls each side answered
	 * @param levels how many levels deep the bisection went
	 */
	public record Result(List<UserRange> leaves, int rangesCompared, int comparisons, int levels) {

	}

}
