package dev.healthscore.io.score;

import java.time.Instant;

import dev.healthscore.scoring.UserScores;

/**
 * One user's freshly computed scores and rejections, ready to be written.
 *
 * @param result the scores and rejected readings
 * @param inputsAsOf the point up to which the inputs of the scores were complete
 */
public record ScoredUser(UserScores result, Instant inputsAsOf) {

	/** The user the scores belong to. */
	public long userId() {
		return this.result.userId();
	}

}
