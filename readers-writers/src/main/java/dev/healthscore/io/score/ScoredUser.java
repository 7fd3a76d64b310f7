package dev.healthscore.io.score;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;

import dev.healthscore.scoring.UserScores;

/**
 * One user's freshly computed scores and rejections, ready to be written.
 *
 * @param result the scores and rejected readings
 * @param inputsAsOf the point up to which the inputs of the scores were complete
 * @param fingerprints the fingerprint of each score's inputs, by day; a score without one
 * is stored without
 */
public record ScoredUser(UserScores result, Instant inputsAsOf, Map<LocalDate, InputFingerprint> fingerprints) {

	/** Scores without fingerprints. */
	public ScoredUser(UserScores result, Instant inputsAsOf) {
		this(result, inputsAsOf, Map.of());
	}

	/** The user the scores belong to. */
	public long userId() {
		return this.result.userId();
	}

}
