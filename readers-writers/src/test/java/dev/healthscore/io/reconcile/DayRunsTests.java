package dev.healthscore.io.reconcile;

import java.time.LocalDate;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs of days: suspect days to score ranges, read windows merged. */
class DayRunsTests {

	private static final LocalDate D = LocalDate.parse("2025-03-01");

	@Test
	void consecutiveDaysBecomeOneRun() {
		List<LocalDate[]> runs = DayRuns.of(List.of(D, D.plusDays(1), D.plusDays(2), D.plusDays(5), D.plusDays(7)));
		assertThat(runs).extracting((run) -> run[0] + ".." + run[1])
			.containsExactly(D + ".." + D.plusDays(2), D.plusDays(5) + ".." + D.plusDays(5),
					D.plusDays(7) + ".." + D.plusDays(7));
	}

	@Test
	void overlappingOrTouchingWindowsMerge() {
		List<LocalDate[]> merged = DayRuns.merge(List.of(new LocalDate[] { D.plusDays(10), D.plusDays(12) },
				new LocalDate[] { D, D.plusDays(4) }, new LocalDate[] { D.plusDays(3), D.plusDays(9) },
				new LocalDate[] { D.plusDays(20), D.plusDays(20) }));
		assertThat(merged).extracting((run) -> run[0] + ".." + run[1])
			.containsExactly(D + ".." + D.plusDays(12), D.plusDays(20) + ".." + D.plusDays(20));
	}

}
