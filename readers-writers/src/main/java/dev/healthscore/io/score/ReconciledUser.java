package dev.healthscore.io.score;

import java.time.LocalDate;
import java.util.List;
import java.util.SortedMap;

/**
 * One user's suspect days and their scores computed again, ready to be compared with the
 * stored rows.
 *
 * @param scored the scores of the suspect days' current inputs, their fingerprints and
 * the rejected readings
 * @param suspects the suspect days and why each was suspected
 */
public record ReconciledUser(ScoredUser scored, SortedMap<LocalDate, List<String>> suspects) {

	/** The user. */
	public long userId() {
		return this.scored.userId();
	}

}
