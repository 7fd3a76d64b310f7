package dev.healthscore.scoring;

import java.time.ZoneId;

/**
 * The user attributes scoring needs, from {@code app_user}.
 *
 * @param userId the user's id
 * @param timeZone the user's IANA time zone, which defines the user's local days; may be
 * {@code null} for a deleted user, who has no local days: every reading of theirs is
 * rejected
 * @param dailyStepGoal the user's daily step goal
 * @param deleted whether the user is deleted (their readings are then rejected)
 */
public record UserProfile(long userId, ZoneId timeZone, int dailyStepGoal, boolean deleted) {

	/**
	 * Creates a profile.
	 * @throws IllegalArgumentException when a user who is not deleted has no time zone
	 */
	public UserProfile {
		if (timeZone == null && !deleted) {
			throw new IllegalArgumentException("User " + userId + " is not deleted and needs a time zone");
		}
	}

}
