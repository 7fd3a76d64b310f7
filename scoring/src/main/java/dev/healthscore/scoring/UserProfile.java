package dev.healthscore.scoring;

import java.time.ZoneId;

/**
 * The user attributes scoring needs, from {@code app_user}.
 *
 * @param userId the user's id
 * @param timeZone the user's IANA time zone, which defines the user's local days
 * @param dailyStepGoal the user's daily step goal
 * @param deleted whether the user is deleted (their readings are then rejected)
 */
public record UserProfile(long userId, ZoneId timeZone, int dailyStepGoal, boolean deleted) {

}
