package dev.healthscore.scoring;

import java.time.LocalDate;

/**
 * The score of one user on one local day. Components are {@code null} when their metric
 * had no valid reading that day; {@code score} is {@code null} when completeness is below
 * 0.5.
 *
 * @param userId the user
 * @param day the user's local day
 * @param score the overall score 0..100, or {@code null}
 * @param activityScore the activity component 0..100, or {@code null}
 * @param sleepScore the sleep component 0..100, or {@code null}
 * @param heartScore the heart component 0..100, or {@code null}
 * @param completeness the sum of the weights of the present components
 * @param algorithmVersion the version of the algorithm that computed it
 */
public record DailyScore(long userId, LocalDate day, Integer score, Integer activityScore, Integer sleepScore,
		Integer heartScore, double completeness, int algorithmVersion) {

}
