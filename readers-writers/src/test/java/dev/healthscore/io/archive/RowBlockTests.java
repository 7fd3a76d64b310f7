package dev.healthscore.io.archive;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RowBlock}.
 */
class RowBlockTests {

	@Test
	void everyTypeComesBackAsGivenIncludingNullsNaNAndNegativeZero() {
		List<Object[]> rows = List.of(
				new Object[] { 1L, 20_089, (Integer) 100, (Integer) 40, null, (Integer) (-3), 0.25f, 3, 1L, 2L, 7, 9L,
						-1L },
				new Object[] { Long.MIN_VALUE, -719_162, null, null, (Integer) 32_767, (Integer) (-32_768), Float.NaN,
						Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, null, null, null },
				new Object[] { Long.MAX_VALUE, 2_932_896, (Integer) 0, (Integer) 0, (Integer) 0, (Integer) 0, -0.0f,
						Integer.MAX_VALUE, 0L, 0L, Integer.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE });
		RowBlock block = new RowBlock(ArchiveTable.HEALTH_SCORE, 1);
		rows.forEach(block::add);
		assertThat(block.size()).isEqualTo(3);
		for (int i = 0; i < rows.size(); i++) {
			// equals: -0.0f is not 0.0f, NaN is NaN
			assertThat(Arrays.asList(block.row(i))).isEqualTo(Arrays.asList(rows.get(i)));
		}
		RowBlock copy = new RowBlock(ArchiveTable.HEALTH_SCORE, 1);
		for (int i = rows.size() - 1; i >= 0; i--) {
			copy.add(block, i);
		}
		assertThat(Arrays.asList(copy.row(0))).isEqualTo(Arrays.asList(rows.get(2)));
		assertThat(Arrays.asList(copy.row(2))).isEqualTo(Arrays.asList(rows.get(0)));
		Object[] readings = { 5L, "steps", 1L, Double.longBitsToDouble(0x7ff8_0000_0000_0001L), "watch", 2L };
		RowBlock reading = new RowBlock(ArchiveTable.HEALTH_READING, 1);
		reading.add(readings);
		// the raw bits, not only an equal double
		assertThat(Double.doubleToRawLongBits((Double) reading.row(0)[3])).isEqualTo(0x7ff8_0000_0000_0001L);
	}

	@Test
	void aValueSetAfterANullOfTheSameRowIsNotNull() {
		RowBlock block = new RowBlock(ArchiveTable.HEALTH_READING, 4);
		block.add(new Object[] { 1L, "steps", 1L, null, "watch", 2L });
		block.clear();
		block.add(new Object[] { 1L, "steps", 1L, 3.0, "watch", 2L });
		assertThat(block.row(0)[3]).isEqualTo(3.0);
	}

	@Test
	void aRequiredColumnRefusesNull() {
		RowBlock block = new RowBlock(ArchiveTable.HEALTH_READING, 4);
		assertThatIllegalArgumentException().isThrownBy(() -> block.add(new Object[] { 1L, null, 1L, 3.0, "w", 2L }))
			.withMessage("Column metric of health_reading cannot hold NULL");
	}

	@Test
	void sortedOrderIsTheStableSortOfTheComparatorAtEverySize() {
		Random random = new Random(11);
		for (int size : new int[] { 0, 1, 2, 15, 16, 17, 33, 100, 1_000, 4_099 }) {
			for (boolean presorted : new boolean[] { false, true }) {
				List<Object[]> rows = GroupSorterTests.heavyUser(9, size, random);
				if (presorted) {
					rows.sort(ArchiveTable.HEALTH_READING.rowOrderWithinLeadingKey());
				}
				RowBlock block = new RowBlock(ArchiveTable.HEALTH_READING, 3);
				rows.forEach(block::add);
				int[] order = block.sortedOrder(null);
				List<List<Object>> sorted = new ArrayList<>();
				for (int i = 0; i < size; i++) {
					sorted.add(Arrays.asList(block.row(order[i])));
				}
				assertThat(sorted).as("%d rows, presorted %s", size, presorted)
					.isEqualTo(GroupSorterTests.values(GroupSorterTests.sortedInMemory(rows)));
			}
		}
	}

	@Test
	void sortedOrderReusesAnArrayLargeEnough() {
		RowBlock block = new RowBlock(ArchiveTable.HEALTH_READING, 3);
		List<Object[]> rows = GroupSorterTests.heavyUser(9, 50, new Random(12));
		Collections.reverse(rows);
		rows.forEach(block::add);
		int[] reused = new int[64];
		assertThat(block.sortedOrder(reused)).isSameAs(reused);
		assertThat(block.sortedOrder(new int[10])).hasSizeGreaterThanOrEqualTo(50);
	}

}
