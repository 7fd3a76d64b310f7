package dev.healthscore.jobs.ops;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a range of stored scores changed (or would change): rows inserted, deleted, changed
 * and unchanged, and the distribution of score deltas.
 */
final class ScoreDiff {

	long inserted;

	long deleted;

	long changed;

	long unchanged;

	final Map<Integer, Long> deltas = new TreeMap<>();

	void compare(Integer before, Integer after, boolean existedBefore, boolean existsAfter, boolean componentsEqual) {
		if (!existedBefore && existsAfter) {
			this.inserted++;
		}
		else if (existedBefore && !existsAfter) {
			this.deleted++;
		}
		else if (existedBefore && existsAfter) {
			if (java.util.Objects.equals(before, after) && componentsEqual) {
				this.unchanged++;
			}
			else {
				this.changed++;
				if (before != null && after != null) {
					this.deltas.merge(after - before, 1L, Long::sum);
				}
			}
		}
	}

	String format(String title) {
		StringBuilder text = new StringBuilder(title).append(System.lineSeparator());
		text.append(String.format(Locale.ROOT, "  inserted %,d, deleted %,d, changed %,d, unchanged %,d%n",
				this.inserted, this.deleted, this.changed, this.unchanged));
		if (!this.deltas.isEmpty()) {
			text.append("  score deltas (new - old: rows): ");
			this.deltas.forEach((delta, count) -> text.append(String.format(Locale.ROOT, "%+d: %,d  ", delta, count)));
			text.append(System.lineSeparator());
		}
		return text.toString();
	}

}
