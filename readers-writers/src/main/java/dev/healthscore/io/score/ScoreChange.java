package dev.healthscore.io.score;

import java.time.LocalDate;
import java.util.List;

import dev.healthscore.scoring.DailyScore;

/**
 * What reconciling one suspect (user, day) found: the stored row, the score its current
 * inputs give, and what has to change.
 *
 * @param kind what has to change
 * @param userId the user
 * @param day the user's local day
 * @param before the stored row, or {@code null} when there is none
 * @param after the score of the current inputs, or {@code null} when there is none
 * @param fingerprint the fingerprint of the current inputs of {@code after}, or
 * {@code null}
 * @param reasons why the day was suspected, and for inserts and deletes which
 */
public record ScoreChange(Kind kind, long userId, LocalDate day, StoredScore before, DailyScore after,
		InputFingerprint fingerprint, List<String> reasons) {

	/** A score row that was missing. */
	public static final String MISSING_SCORE = "missing_score";

	/** A score row whose day has no valid inputs, or whose user is gone. */
	public static final String ORPHAN_SCORE = "orphan_score";

	/** What has to change about a row. */
	public enum Kind {

		/** A score with no row: inserted, and audited. */
		INSERT,

		/**
		 * A row whose values differ from the score of its inputs: updated, and audited.
		 */
		UPDATE,

		/** A row whose day has no score: deleted, and audited. */
		DELETE,

		/**
		 * A row with the right values but a stale or missing fingerprint: its fingerprint
		 * and {@code inputs_as_of} are updated; not a correction, so not audited.
		 */
		REFRESH,

		/** Nothing: the row is accurate, or there is neither a row nor a score. */
		NONE;

		/** Whether the change corrects a score, and so is audited. */
		public boolean corrects() {
			return this == INSERT || this == UPDATE || this == DELETE;
		}

	}

}
