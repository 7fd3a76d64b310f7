package dev.healthscore.scoring;

import java.time.LocalDate;
import java.util.List;

/**
 * Everything needed to score one user over a range of local days.
 *
 * @param userId the user being scored
 * @param user the user's profile, or {@code null} when no such user exists
 * @param firstDay the first local day to score, inclusive
 * @param lastDay the last local day to score, inclusive
 * @param readings the user's readings of the scored metrics whose local day lies in
 * {@code firstDay - lookbackDays .. lastDay}, in any order; readings outside that window
 * are ignored. Readings of the lookback days before {@code firstDay} may be limited to
 * the algorithm's {@link ScoringAlgorithm#lookbackMetrics() lookback metrics}
 */
public record ScoreInputs(long userId, UserProfile user, LocalDate firstDay, LocalDate lastDay,
		List<Reading> readings) {

}
