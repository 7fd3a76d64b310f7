package dev.healthscore.io.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The bisection of {@link Bisection}, on two in-memory sides. */
class BisectionTests {

	@Test
	void identicalSidesCostOneComparisonOfTheSegments() {
		Map<Long, Long> rows = rows(1000);
		CountingSide expected = new CountingSide(rows);
		CountingSide actual = new CountingSide(new TreeMap<>(rows));
		Bisection.Result result = new Bisection(expected, actual, 8).run(segments(0, 1000, 10));
		assertThat(result.leaves()).isEmpty();
		assertThat(result.comparisons()).isOne();
		assertThat(result.rangesCompared()).isEqualTo(10);
		assertThat(expected.calls).isOne();
	}

	@Test
	void findsEveryDifferingRowDownToSingleIds() {
		Map<Long, Long> rows = rows(1000);
		Map<Long, Long> changed = new TreeMap<>(rows);
		changed.put(17L, 0L);
		changed.remove(523L);
		changed.put(999L, 1L);
		changed.put(5000L, 5L);
		Bisection.Result result = new Bisection(new CountingSide(rows), new CountingSide(changed), 1)
			.run(segments(0, 6000, 60));
		assertThat(result.leaves()).containsExactly(new UserRange(17, 18), new UserRange(523, 524),
				new UserRange(999, 1000), new UserRange(5000, 5001));
	}

	@Test
	void splitsOnlyTheDifferingSegments() {
		Map<Long, Long> rows = rows(10_000);
		Map<Long, Long> changed = new TreeMap<>(rows);
		changed.put(4242L, -1L);
		CountingSide expected = new CountingSide(rows);
		Bisection.Result result = new Bisection(expected, new CountingSide(changed), 16).run(segments(0, 10_000, 10));
		assertThat(result.leaves()).singleElement().satisfies((leaf) -> {
			assertThat(leaf.from()).isLessThanOrEqualTo(4242);
			assertThat(leaf.to()).isGreaterThan(4242);
			assertThat(leaf.width()).isLessThanOrEqualTo(16);
		});
		// one segment of 1,000 ids halved down to 16: 6 levels of two halves each
		assertThat(result.comparisons()).isEqualTo(1 + 6);
		assertThat(result.rangesCompared()).isEqualTo(10 + 2 * 6);
		assertThat(result.levels()).isEqualTo(7);
		assertThat(expected.rangesAsked).isEqualTo(result.rangesCompared());
	}

	@Test
	void aRangeWhoseHalvesBothDifferIsReturnedWholeInsteadOfReadAgainLevelAfterLevel() {
		Map<Long, Long> changed = new TreeMap<>(rows(1000));
		changed.put(10L, -1L);
		changed.put(990L, -1L);
		CountingSide expected = new CountingSide(rows(1000));
		Bisection.Result result = new Bisection(expected, new CountingSide(changed), 1)
			.run(List.of(new UserRange(0, 1000)));
		assertThat(result.leaves()).containsExactly(new UserRange(0, 1000));
		assertThat(result.comparisons()).isEqualTo(2);
		assertThat(expected.rangesAsked).isEqualTo(3);
	}

	@Test
	void aRangeAlreadyNarrowEnoughIsALeafAtOnce() {
		Map<Long, Long> changed = new TreeMap<>(rows(100));
		changed.put(3L, 42L);
		Bisection.Result result = new Bisection(new CountingSide(rows(100)), new CountingSide(changed), 100)
			.run(List.of(new UserRange(0, 100)));
		assertThat(result.leaves()).containsExactly(new UserRange(0, 100));
		assertThat(result.comparisons()).isOne();
	}

	@Test
	void rowsOnOneSideOnlyAreFoundToo() {
		Map<Long, Long> extra = new TreeMap<>(rows(50));
		extra.put(77L, 7L);
		Bisection.Result result = new Bisection(new CountingSide(rows(50)), new CountingSide(extra), 1)
			.run(segments(0, 100, 2));
		assertThat(result.leaves()).containsExactly(new UserRange(77, 78));
	}

	@Test
	void segmentsMustBeContiguous() {
		Bisection bisection = new Bisection(new CountingSide(rows(1)), new CountingSide(rows(1)), 1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> bisection.run(List.of(new UserRange(0, 10), new UserRange(11, 20))))
			.withMessage("Invalid segments, not contiguous: [0, 10) then [11, 20)");
	}

	@Test
	void aRangeMustNotBeEmpty() {
		assertThatIllegalArgumentException().isThrownBy(() -> new UserRange(5, 5))
			.withMessage("Invalid user range, empty or reversed: [5, 5)");
	}

	private static Map<Long, Long> rows(int users) {
		Map<Long, Long> rows = new TreeMap<>();
		for (long id = 0; id < users; id++) {
			rows.put(id, id * 31 + 7);
		}
		return rows;
	}

	private static List<UserRange> segments(long from, long to, int count) {
		List<UserRange> segments = new ArrayList<>();
		long width = (to - from) / count;
		for (int i = 0; i < count; i++) {
			segments.add(new UserRange(from + i * width, (i == count - 1) ? to : from + (i + 1) * width));
		}
		return segments;
	}

	/** A side over a map of user id to row value: checksum = count and sum of hashes. */
	private static final class CountingSide implements Bisection.Side {

		private final TreeMap<Long, Long> rows;

		int calls;

		int rangesAsked;

		CountingSide(Map<Long, Long> rows) {
			this.rows = new TreeMap<>(rows);
		}

		@Override
		public List<RangeChecksum> checksums(List<UserRange> ranges) {
			this.calls++;
			this.rangesAsked += ranges.size();
			List<RangeChecksum> checksums = new ArrayList<>();
			for (UserRange range : ranges) {
				Map<Long, Long> slice = this.rows.subMap(range.from(), range.to());
				long digest = 0;
				for (Map.Entry<Long, Long> row : slice.entrySet()) {
					digest += (row.getKey() * 0x9E3779B97F4A7C15L) ^ row.getValue();
				}
				checksums.add(new RangeChecksum(slice.size(), digest));
			}
			return checksums;
		}

	}

}
