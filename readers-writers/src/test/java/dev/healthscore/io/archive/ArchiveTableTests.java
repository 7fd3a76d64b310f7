package dev.healthscore.io.archive;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ArchiveTable}'s row orders.
 */
class ArchiveTableTests {

	private static final Comparator<Object[]> READING_ORDER = Comparator
		.<Object[], Long>comparing((row) -> (Long) row[0])
		.thenComparing((row) -> (Long) row[2])
		.thenComparing((row) -> (String) row[1])
		.thenComparing((row) -> (String) row[4]);

	@Test
	void rowOrderIsUserThenTimeThenMetricThenSource() {
		List<Object[]> rows = randomReadings(new Random(7), 5_000);
		List<Object[]> expected = new ArrayList<>(rows);
		expected.sort(READING_ORDER);
		rows.sort(ArchiveTable.HEALTH_READING.rowOrder());
		assertThat(rows).containsExactlyElementsOf(expected);
	}

	@Test
	void rowOrderWithinLeadingKeyIgnoresTheUser() {
		List<Object[]> rows = randomReadings(new Random(8), 5_000);
		List<Object[]> expected = new ArrayList<>(rows);
		expected.sort(READING_ORDER.thenComparing((row) -> 0));
		Comparator<Object[]> withinUser = ArchiveTable.HEALTH_READING.rowOrderWithinLeadingKey();
		rows.sort(Comparator.<Object[], Long>comparing((row) -> (Long) row[0]).thenComparing(withinUser));
		assertThat(rows).containsExactlyElementsOf(expected);
		Object[] early = { 1L, "steps", 5L, 1.0, "watch", 0L };
		Object[] late = { 0L, "steps", 6L, 1.0, "watch", 0L };
		assertThat(withinUser.compare(early, late)).isNegative();
		assertThat(ArchiveTable.HEALTH_READING.rowOrder().compare(early, late)).isPositive();
	}

	private static List<Object[]> randomReadings(Random random, int count) {
		String[] metrics = { "steps", "heart_rate", "sleep_minutes", "Ünïcødé" };
		String[] sources = { "watch", "phone", "a|b" };
		List<Object[]> rows = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			// few distinct values per key, so that later keys decide often
			rows.add(new Object[] { (long) random.nextInt(5) - 2, metrics[random.nextInt(metrics.length)],
					(long) random.nextInt(20) - 10, random.nextDouble(), sources[random.nextInt(sources.length)],
					random.nextLong() });
		}
		return rows;
	}

}
