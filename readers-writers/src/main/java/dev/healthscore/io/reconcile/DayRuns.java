package dev.healthscore.io.reconcile;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Runs of consecutive days: suspect days become the day ranges to score, and read windows
 * that overlap or touch become one.
 */
final class DayRuns {

	private DayRuns() {
	}

	/**
	 * Merges day ranges that overlap or touch.
	 * @param ranges ranges as {first, last} pairs, in any order
	 * @return disjoint ranges in day order
	 */
	static List<LocalDate[]> merge(Collection<LocalDate[]> ranges) {
		List<LocalDate[]> sorted = new ArrayList<>(ranges);
		sorted.sort((a, b) -> a[0].compareTo(b[0]));
		List<LocalDate[]> merged = new ArrayList<>();
		for (LocalDate[] range : sorted) {
			LocalDate[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
			if (last != null && !range[0].isAfter(last[1].plusDays(1))) {
				if (range[1].isAfter(last[1])) {
					last[1] = range[1];
				}
			}
			else {
				merged.add(new LocalDate[] { range[0], range[1] });
			}
		}
		return merged;
	}

	/** The runs of consecutive days among sorted, distinct days. */
	static List<LocalDate[]> of(Collection<LocalDate> sortedDays) {
		List<LocalDate[]> runs = new ArrayList<>();
		for (LocalDate day : sortedDays) {
			LocalDate[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
			if (last != null && day.equals(last[1].plusDays(1))) {
				last[1] = day;
			}
			else {
				runs.add(new LocalDate[] { day, day });
			}
		}
		return runs;
	}

}
