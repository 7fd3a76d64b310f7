package dev.healthscore.scoring;

import java.util.List;

/**
 * What scoring one user produced.
 *
 * @param userId the user
 * @param scores one score per local day in the range that had a valid scored reading, in
 * day order
 * @param rejections every reading of the inputs that is not valid, with its reason
 */
public record UserScores(long userId, List<DailyScore> scores, List<Rejection> rejections) {

}
