package dev.healthscore.io.score;

import java.time.LocalDate;

/**
 * A row of {@code health_score} as stored, with its input fingerprint.
 *
 * @param userId the user
 * @param day the user's local day
 * @param score the overall score, or {@code null}
 * @param activityScore the activity component, or {@code null}
 * @param sleepScore the sleep component, or {@code null}
 * @param heartScore the heart component, or {@code null}
 * @param completeness the stored completeness (a {@code real})
 * @param algorithmVersion the version that computed it
 * @param fingerprint the fingerprint of its inputs, or {@code null} when it has none
 */
public record StoredScore(long userId, LocalDate day, Integer score, Integer activityScore, Integer sleepScore,
		Integer heartScore, float completeness, int algorithmVersion, InputFingerprint fingerprint) {

}
