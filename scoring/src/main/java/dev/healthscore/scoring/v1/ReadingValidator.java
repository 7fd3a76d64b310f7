package dev.healthscore.scoring.v1;

import java.time.Instant;

import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.RejectionReason;
import dev.healthscore.scoring.UserProfile;

/**
 * Decides whether a reading of one user is valid input to version 1 of the score.
 * <p>
 * A reading that breaks several rules is rejected for the first of them, in this order:
 * {@link RejectionReason#UNKNOWN_USER unknown user}, {@link RejectionReason#DELETED_USER
 * deleted user}, {@link RejectionReason#NULL_VALUE value null} (told from a stored
 * {@code NaN} by {@link Reading#valueNull()}), {@link RejectionReason#NOT_FINITE value
 * not finite}, {@link RejectionReason#OUT_OF_RANGE value out of range} (the metric's
 * {@link Metric#min() min} and {@link Metric#max() max}, both inclusive),
 * {@link RejectionReason#CLOCK_SKEW clock skew} ({@code recordedAt} strictly later than
 * {@code ingestedAt} plus one day). The user rules come first because they reject every
 * reading of the user whatever its value; the value rules come before clock skew because
 * they only need the reading itself.
 * <p>
 * A reading without {@code ingestedAt} cannot be checked for clock skew and passes that
 * rule.
 */
final class ReadingValidator {

	private static final long SECONDS_PER_DAY = 86_400;

	private final RejectionReason userReason;

	/**
	 * Creates a validator for the readings of a user.
	 * @param user the user's profile, or {@code null} when no such user exists
	 */
	ReadingValidator(UserProfile user) {
		this.userReason = userReason(user);
	}

	private static RejectionReason userReason(UserProfile user) {
		if (user == null) {
			return RejectionReason.UNKNOWN_USER;
		}
		return user.deleted() ? RejectionReason.DELETED_USER : null;
	}

	/**
	 * Whether every reading of this validator's user is rejected, whatever its value.
	 */
	boolean rejectsEveryReading() {
		return this.userReason != null;
	}

	/**
	 * Returns the first rule the reading breaks.
	 * @param reading the reading to check
	 * @return the reason to reject the reading, or {@code null} when it is valid
	 */
	RejectionReason rejectionReason(Reading reading) {
		if (this.userReason != null) {
			return this.userReason;
		}
		double value = reading.value();
		if (!Double.isFinite(value)) {
			return reading.valueNull() ? RejectionReason.NULL_VALUE : RejectionReason.NOT_FINITE;
		}
		Metric metric = reading.metric();
		if (value < metric.min() || value > metric.max()) {
			return RejectionReason.OUT_OF_RANGE;
		}
		if (isClockSkewed(reading.recordedAt(), reading.ingestedAt())) {
			return RejectionReason.CLOCK_SKEW;
		}
		return null;
	}

	/**
	 * Whether {@code recordedAt > ingestedAt + 1 day}, compared field by field so that
	 * the hot path allocates no {@link Instant}.
	 */
	static boolean isClockSkewed(Instant recordedAt, Instant ingestedAt) {
		if (ingestedAt == null) {
			return false;
		}
		long latestSecond = ingestedAt.getEpochSecond() + SECONDS_PER_DAY;
		long recordedSecond = recordedAt.getEpochSecond();
		if (recordedSecond != latestSecond) {
			return recordedSecond > latestSecond;
		}
		return recordedAt.getNano() > ingestedAt.getNano();
	}

}
