package dev.healthscore.io.score;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

import dev.healthscore.scoring.DailyScore;

/**
 * Compares one user's suspect days as stored with their scores computed again, and says
 * what has to change about each.
 */
public final class ScoreDiff {

	private ScoreDiff() {
	}

	/**
	 * Returns one change per suspect day of the user.
	 * @param user the scores computed again and the suspects
	 * @param stored the stored rows of the suspect days, by day (absent: no row)
	 * @return the changes, in day order; {@link ScoreChange.Kind#NONE} for accurate rows
	 */
	public static List<ScoreChange> diff(ReconciledUser user, Map<LocalDate, StoredScore> stored) {
		Map<LocalDate, DailyScore> computed = new java.util.HashMap<>();
		for (DailyScore score : user.scored().result().scores()) {
			computed.put(score.day(), score);
		}
		List<ScoreChange> changes = new ArrayList<>(user.suspects().size());
		user.suspects().forEach((day, reasons) -> {
			DailyScore after = computed.get(day);
			StoredScore before = stored.get(day);
			InputFingerprint fingerprint = (after != null) ? user.scored().fingerprints().get(day) : null;
			ScoreChange.Kind kind = kind(before, after, fingerprint);
			changes.add(new ScoreChange(kind, user.userId(), day, before, after, fingerprint, reasons(kind, reasons)));
		});
		return changes;
	}

	private static ScoreChange.Kind kind(StoredScore before, DailyScore after, InputFingerprint fingerprint) {
		if (before == null) {
			return (after != null) ? ScoreChange.Kind.INSERT : ScoreChange.Kind.NONE;
		}
		if (after == null) {
			return ScoreChange.Kind.DELETE;
		}
		if (!sameValues(before, after)) {
			return ScoreChange.Kind.UPDATE;
		}
		return Objects.equals(before.fingerprint(), fingerprint) ? ScoreChange.Kind.NONE : ScoreChange.Kind.REFRESH;
	}

	/** Whether a stored row holds exactly what storing {@code after} would write. */
	static boolean sameValues(StoredScore before, DailyScore after) {
		return Objects.equals(before.score(), after.score())
				&& Objects.equals(before.activityScore(), after.activityScore())
				&& Objects.equals(before.sleepScore(), after.sleepScore())
				&& Objects.equals(before.heartScore(), after.heartScore())
				&& Float.compare(before.completeness(), (float) after.completeness()) == 0
				&& before.algorithmVersion() == after.algorithmVersion();
	}

	private static List<String> reasons(ScoreChange.Kind kind, List<String> suspected) {
		TreeSet<String> reasons = new TreeSet<>(suspected);
		if (kind == ScoreChange.Kind.INSERT) {
			reasons.add(ScoreChange.MISSING_SCORE);
		}
		else if (kind == ScoreChange.Kind.DELETE) {
			reasons.add(ScoreChange.ORPHAN_SCORE);
		}
		return List.copyOf(reasons);
	}

}
