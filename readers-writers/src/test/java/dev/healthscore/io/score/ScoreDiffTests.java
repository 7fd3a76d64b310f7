package dev.healthscore.io.score;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.healthscore.scoring.DailyScore;
import dev.healthscore.scoring.UserScores;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@link ScoreDiff} decides for each suspect day, and how the tally counts it. */
class ScoreDiffTests {

	private static final LocalDate D = LocalDate.parse("2025-03-01");

	private static final InputFingerprint PRINT = new InputFingerprint(12, 345);

	@Test
	void eachSuspectDayGetsOneChangeOfTheRightKind() {
		TreeMap<LocalDate, List<String>> suspects = new TreeMap<>();
		for (int i = 0; i < 6; i++) {
			suspects.put(D.plusDays(i), List.of("late_data"));
		}
		ReconciledUser user = user(suspects,
				List.of(score(D, 70), score(D.plusDays(1), 71), score(D.plusDays(2), 72), score(D.plusDays(3), 73)));
		Map<LocalDate, StoredScore> stored = Map.of(D, stored(D, 70, PRINT), D.plusDays(1),
				stored(D.plusDays(1), 60, PRINT), D.plusDays(2),
				stored(D.plusDays(2), 72, new InputFingerprint(11, 345)), D.plusDays(4),
				stored(D.plusDays(4), 50, PRINT));
		List<ScoreChange> changes = ScoreDiff.diff(user, stored);
		assertThat(changes).extracting(ScoreChange::kind)
			.containsExactly(ScoreChange.Kind.NONE, ScoreChange.Kind.UPDATE, ScoreChange.Kind.REFRESH,
					ScoreChange.Kind.INSERT, ScoreChange.Kind.DELETE, ScoreChange.Kind.NONE);
		assertThat(changes.get(3).reasons()).containsExactly("late_data", "missing_score");
		assertThat(changes.get(4).reasons()).containsExactly("late_data", "orphan_score");
		assertThat(changes.get(1).reasons()).containsExactly("late_data");
	}

	@Test
	void completenessIsComparedAsTheStoredReal() {
		DailyScore score = new DailyScore(1, D, 70, 70, null, null, 0.4, 1);
		StoredScore stored = new StoredScore(1, D, 70, 70, null, null, 0.4f, 1, PRINT);
		assertThat(ScoreDiff.sameValues(stored, score)).isTrue();
		assertThat(ScoreDiff.sameValues(new StoredScore(1, D, 70, 70, null, null, 0.6f, 1, PRINT), score)).isFalse();
		assertThat(ScoreDiff.sameValues(new StoredScore(1, D, 70, 70, null, null, 0.4f, 0, PRINT), score)).isFalse();
	}

	@Test
	void theTallyCountsKindsReasonsDeltasAndTheOldestCorrectedDayAndSurvivesEncoding() {
		TreeMap<LocalDate, List<String>> suspects = new TreeMap<>();
		suspects.put(D, List.of("deleted_input"));
		suspects.put(D.plusDays(1), List.of("late_data"));
		suspects.put(D.plusDays(2), List.of("user_deleted"));
		ReconciledUser user = user(suspects, List.of(score(D, 65), score(D.plusDays(1), 80)));
		Map<LocalDate, StoredScore> stored = Map.of(D, stored(D, 70, PRINT), D.plusDays(2),
				stored(D.plusDays(2), 50, PRINT));
		CorrectionTally tally = new CorrectionTally();
		ScoreDiff.diff(user, stored).forEach(tally::add);
		CorrectionTally decoded = CorrectionTally.decode(tally.encode());
		for (CorrectionTally t : List.of(tally, decoded)) {
			assertThat(t.corrected()).isEqualTo(3);
			assertThat(t.count(ScoreChange.Kind.INSERT)).isOne();
			assertThat(t.reasons()).containsEntry("orphan_score", 1L)
				.containsEntry("missing_score", 1L)
				.containsEntry("deleted_input", 1L);
			assertThat(t.deltas()).containsOnly(Map.entry("-5", 1L), Map.entry(CorrectionTally.BECAME_SCORED, 1L),
					Map.entry(CorrectionTally.BECAME_NULL, 1L));
			assertThat(t.oldestCorrected()).isEqualTo(D);
		}
		assertThat(CorrectionTally.decode(null).checked()).isZero();
	}

	private static ReconciledUser user(TreeMap<LocalDate, List<String>> suspects, List<DailyScore> scores) {
		Map<LocalDate, InputFingerprint> prints = new TreeMap<>();
		scores.forEach((score) -> prints.put(score.day(), PRINT));
		return new ReconciledUser(new ScoredUser(new UserScores(1, scores, List.of()), Instant.EPOCH, prints),
				suspects);
	}

	private static DailyScore score(LocalDate day, int score) {
		return new DailyScore(1, day, score, score, null, null, 0.4, 1);
	}

	private static StoredScore stored(LocalDate day, int score, InputFingerprint fingerprint) {
		return new StoredScore(1, day, score, score, null, null, 0.4f, 1, fingerprint);
	}

}
