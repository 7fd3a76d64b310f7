package dev.healthscore.io.reconcile;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.SortedMap;

import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.UserProfile;

/**
 * One user's suspect days and the inputs to score them again: one {@link ScoreInputs} per
 * run of consecutive suspect days, with the readings of those days and of their lookback
 * days (lookback metrics only).
 *
 * @param userId the user
 * @param user the user's profile, or {@code null} when the user does not exist
 * @param inputs the inputs of each run of consecutive suspect days, in day order
 * @param suspects the suspect days and why each is suspected
 * @param inputsAsOf readings committed before this instant are part of the inputs
 */
public record ReconcileWork(long userId, UserProfile user, List<ScoreInputs> inputs,
		SortedMap<LocalDate, List<String>> suspects, Instant inputsAsOf) {

}
