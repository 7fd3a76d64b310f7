package dev.healthscore.scoring.v1;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.Rejection;
import dev.healthscore.scoring.RejectionReason;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.UserProfile;
import dev.healthscore.scoring.UserScores;

import static dev.healthscore.scoring.v1.TestReadings.dailyScore;
import static dev.healthscore.scoring.v1.TestReadings.inputs;
import static dev.healthscore.scoring.v1.TestReadings.reading;
import static dev.healthscore.scoring.v1.TestReadings.utcUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class HealthScoreV1Tests {

	private static final String DAY = "2025-06-30";

	private final HealthScoreV1 algorithm = new HealthScoreV1();

	@Test
	void isVersionOneLookingBackTwentyEightDaysAtFourMetrics() {
		assertThat(this.algorithm.version()).isOne();
		assertThat(this.algorithm.lookbackDays()).isEqualTo(28);
		assertThat(this.algorithm.inputMetrics()).containsExactlyInAnyOrder(Metric.STEPS, Metric.ACTIVE_MINUTES,
				Metric.SLEEP_MINUTES, Metric.RESTING_HEART_RATE);
	}

	@Test
	void scoresAFullDayWithEveryComponent() {
		UserScores scores = score(reading(Metric.STEPS, "2025-06-30T18:00:00Z", 8000),
				reading(Metric.ACTIVE_MINUTES, "2025-06-30T18:00:00Z", 30),
				reading(Metric.SLEEP_MINUTES, "2025-06-30T07:00:00Z", 480),
				reading(Metric.RESTING_HEART_RATE, "2025-06-30T07:00:00Z", 60));
		// 0.4 * 100 + 0.35 * 100 + 0.25 * 100 = 100.0 over completeness 1.0
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, 100, 100, 100, 100, 1.0));
		assertThat(scores.userId()).isEqualTo(42);
		assertThat(scores.rejections()).isEmpty();
	}

	@Test
	void givesNoOverallScoreToADayWithOnlyActivityAtCompletenessPointFour() {
		UserScores scores = score(reading(Metric.STEPS, "2025-06-30T18:00:00Z", 4000));
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, null, 50, null, null, 0.4));
	}

	@Test
	void givesAnOverallScoreToADayWithSleepAndHeartAtCompletenessPointSix() {
		UserScores scores = score(reading(Metric.SLEEP_MINUTES, "2025-06-30T07:00:00Z", 360),
				reading(Metric.RESTING_HEART_RATE, "2025-06-30T07:00:00Z", 70));
		// sleep 75, heart 80: (0.35 * 75 + 0.25 * 80) / 0.6 = 46.25 / 0.6 = 77.08
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, 77, null, 75, 80, 0.6));
	}

	@Test
	void givesAnOverallScoreToADayWithActivityAndHeartAtCompletenessPointSixFive() {
		UserScores scores = score(reading(Metric.ACTIVE_MINUTES, "2025-06-30T18:00:00Z", 15),
				reading(Metric.RESTING_HEART_RATE, "2025-06-30T07:00:00Z", 60));
		// (0.4 * 50 + 0.25 * 100) / 0.65 = 45 / 0.65 = 69.23
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, 69, 50, null, 100, 0.65));
	}

	@Test
	void givesAnOverallScoreToADayWithActivityAndSleepAtCompletenessPointSevenFive() {
		UserScores scores = score(reading(Metric.STEPS, "2025-06-30T18:00:00Z", 0),
				reading(Metric.SLEEP_MINUTES, "2025-06-30T07:00:00Z", 480));
		// (0.4 * 0 + 0.35 * 100) / 0.75 = 46.67
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, 47, 0, 100, null, 0.75));
	}

	@Test
	void keepsARowWithoutOverallScoreForADayWithOnlyRestingHeartRate() {
		UserScores scores = score(reading(Metric.RESTING_HEART_RATE, "2025-06-30T07:00:00Z", 70));
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, null, null, null, 80, 0.25));
	}

	@Test
	void roundsAnOverallScoreOfExactlyOneHalfUp() {
		UserScores scores = score(reading(Metric.STEPS, "2025-06-30T18:00:00Z", 8000),
				reading(Metric.SLEEP_MINUTES, "2025-06-30T07:00:00Z", 480),
				reading(Metric.RESTING_HEART_RATE, "2025-06-30T07:00:00Z", 61.25));
		// heart 100 - 2 * 1.25 = 97.5 -> 98
		// 0.4 * 100 + 0.35 * 100 + 0.25 * 98 = 99.5 -> 100
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, 100, 100, 100, 98, 1.0));
	}

	@Test
	void takesTheMaximumOfStepsOverSourcesNotTheSum() {
		UserScores scores = score(reading(Metric.STEPS, "2025-06-30T09:00:00Z", 3000, "phone"),
				reading(Metric.STEPS, "2025-06-30T19:00:00Z", 1000, "phone"),
				reading(Metric.STEPS, "2025-06-30T20:00:00Z", 6000, "watch"));
		// phone 4000, watch 6000 -> 6000 / 8000 = 0.75 (the sum, 10000, would give 100)
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, null, 75, null, null, 0.4));
	}

	@Test
	void takesTheMaximumOfSleepAndActiveMinutesOverSources() {
		UserScores scores = score(reading(Metric.SLEEP_MINUTES, "2025-06-30T07:00:00Z", 300, "watch"),
				reading(Metric.SLEEP_MINUTES, "2025-06-30T15:00:00Z", 60, "watch"),
				reading(Metric.SLEEP_MINUTES, "2025-06-30T07:00:00Z", 330, "ring"),
				reading(Metric.ACTIVE_MINUTES, "2025-06-30T18:00:00Z", 20, "phone"),
				reading(Metric.ACTIVE_MINUTES, "2025-06-30T18:00:00Z", 15, "watch"));
		// sleep max(360, 330) = 6 h -> 75; active max(20, 15) = 20 -> 66.67 -> 67
		// (0.4 * 67 + 0.35 * 75) / 0.75 = 53.05 / 0.75 = 70.73
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, 71, 67, 75, null, 0.75));
	}

	@Test
	void takesTheLowestRestingHeartRateOfAnySource() {
		UserScores scores = score(reading(Metric.RESTING_HEART_RATE, "2025-06-30T07:00:00Z", 64, "phone"),
				reading(Metric.RESTING_HEART_RATE, "2025-06-30T07:00:00Z", 62, "watch"),
				reading(Metric.RESTING_HEART_RATE, "2025-06-30T19:00:00Z", 65, "phone"));
		// 100 - 2 * (62 - 60)
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, null, null, null, 96, 0.25));
	}

	@Test
	void rejectsEachInvalidReadingWithItsReasonAndScoresTheValidOnes() {
		Instant noon = Instant.parse("2025-06-30T12:00:00Z");
		Reading notANumber = reading(Metric.STEPS, "2025-06-30T08:00:00Z", Double.NaN);
		Reading infinite = reading(Metric.SLEEP_MINUTES, "2025-06-30T08:00:00Z", Double.POSITIVE_INFINITY);
		Reading tooManySteps = reading(Metric.STEPS, "2025-06-30T09:00:00Z", 50000.5);
		Reading tooLowHeartRate = reading(Metric.RESTING_HEART_RATE, "2025-06-30T09:00:00Z", 24.9);
		Reading skewed = new Reading(42, Metric.ACTIVE_MINUTES, noon, 30, "watch",
				noon.minusSeconds(86_400).minusMillis(1));
		Reading justInTime = new Reading(42, Metric.ACTIVE_MINUTES, noon, 15, "phone", noon.minusSeconds(86_400));
		Reading noSteps = reading(Metric.STEPS, "2025-06-30T10:00:00Z", 0, "watch");
		Reading mostSteps = reading(Metric.STEPS, "2025-06-30T10:00:00Z", 50000, "phone");
		UserScores scores = score(notANumber, noSteps, infinite, tooManySteps, justInTime, tooLowHeartRate, skewed,
				mostSteps);
		assertThat(scores.rejections()).containsExactly(new Rejection(notANumber, RejectionReason.NOT_FINITE),
				new Rejection(infinite, RejectionReason.NOT_FINITE),
				new Rejection(tooManySteps, RejectionReason.OUT_OF_RANGE),
				new Rejection(tooLowHeartRate, RejectionReason.OUT_OF_RANGE),
				new Rejection(skewed, RejectionReason.CLOCK_SKEW));
		// steps max(0, 50000) -> s = 1; active 15 only (the skewed 30 is out) -> a = 0.5
		// 100 * (0.6 * 1 + 0.4 * 0.5) = 80; no sleep, no heart
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, null, 80, null, null, 0.4));
	}

	@Test
	void hasNoRowForADayWhoseReadingsAreAllInvalid() {
		UserScores scores = score(reading(Metric.STEPS, "2025-06-30T08:00:00Z", -1),
				reading(Metric.RESTING_HEART_RATE, "2025-06-30T08:00:00Z", 300));
		assertThat(scores.scores()).isEmpty();
		assertThat(scores.rejections()).extracting(Rejection::reason)
			.containsExactly(RejectionReason.OUT_OF_RANGE, RejectionReason.OUT_OF_RANGE);
	}

	@Test
	void neitherScoresNorRejectsHeartRateSamples() {
		UserScores scores = score(reading(Metric.HEART_RATE, "2025-06-30T08:00:00Z", 80),
				reading(Metric.HEART_RATE, "2025-06-30T09:00:00Z", 900),
				reading(Metric.HEART_RATE, "2025-06-30T09:00:00Z", Double.NaN));
		assertThat(scores.scores()).isEmpty();
		assertThat(scores.rejections()).isEmpty();
	}

	@Test
	void rejectsEveryScoredReadingOfAnUnknownUserAndScoresNothing() {
		Reading steps = reading(Metric.STEPS, "2025-06-30T08:00:00Z", 8000);
		Reading broken = reading(Metric.SLEEP_MINUTES, "2025-06-30T08:00:00Z", Double.NaN);
		Reading heartRate = reading(Metric.HEART_RATE, "2025-06-30T08:00:00Z", 80);
		UserScores scores = this.algorithm.score(inputs(null, DAY, DAY, List.of(steps, broken, heartRate)));
		assertThat(scores.scores()).isEmpty();
		assertThat(scores.rejections()).containsExactly(new Rejection(steps, RejectionReason.UNKNOWN_USER),
				new Rejection(broken, RejectionReason.UNKNOWN_USER));
	}

	@Test
	void rejectsEveryScoredReadingOfADeletedUserAndScoresNothing() {
		Reading steps = reading(Metric.STEPS, "2025-06-30T08:00:00Z", 8000);
		Reading outside = reading(Metric.RESTING_HEART_RATE, "2024-01-01T08:00:00Z", 60);
		UserProfile deleted = new UserProfile(42, ZoneOffset.UTC, 8000, true);
		UserScores scores = this.algorithm.score(inputs(deleted, DAY, DAY, List.of(steps, outside)));
		assertThat(scores.scores()).isEmpty();
		assertThat(scores.rejections()).containsExactly(new Rejection(steps, RejectionReason.DELETED_USER),
				new Rejection(outside, RejectionReason.DELETED_USER));
	}

	/**
	 * A deleted user has no local days: their profile may have no time zone (theirs may
	 * be no zone id), and scoring does not need one. A live user's profile must have one.
	 */
	@Test
	void rejectsEveryScoredReadingOfADeletedUserWithoutATimeZone() {
		Reading steps = reading(Metric.STEPS, "2025-06-30T08:00:00Z", 8000);
		UserProfile deleted = new UserProfile(42, null, 8000, true);
		UserScores scores = this.algorithm.score(inputs(deleted, DAY, DAY, List.of(steps)));
		assertThat(scores.scores()).isEmpty();
		assertThat(scores.rejections()).containsExactly(new Rejection(steps, RejectionReason.DELETED_USER));
		assertThatIllegalArgumentException().isThrownBy(() -> new UserProfile(42, null, 8000, false))
			.withMessage("User 42 is not deleted and needs a time zone");
	}

	@Test
	void scoresEveryDayWithAReadingInDayOrderWhateverTheReadingOrder() {
		UserScores scores = this.algorithm.score(inputs(utcUser(), "2025-06-28", "2025-07-01",
				List.of(reading(Metric.STEPS, "2025-07-01T08:00:00Z", 8000),
						reading(Metric.STEPS, "2025-06-30T08:00:00Z", 6000),
						reading(Metric.STEPS, "2025-06-28T08:00:00Z", 2000))));
		assertThat(scores.scores()).containsExactly(dailyScore("2025-06-28", null, 25, null, null, 0.4),
				dailyScore("2025-06-30", null, 75, null, null, 0.4),
				dailyScore("2025-07-01", null, 100, null, null, 0.4));
	}

	@Test
	void ignoresValidReadingsOutsideTheWindowButRejectsInvalidOnesAnywhere() {
		Reading invalidLongBefore = reading(Metric.STEPS, "2025-01-01T08:00:00Z", Double.NaN);
		UserScores scores = score(reading(Metric.STEPS, "2025-06-02T08:00:00Z", 8000),
				reading(Metric.STEPS, "2025-06-01T08:00:00Z", 8000),
				reading(Metric.STEPS, "2025-07-01T00:00:00Z", 8000),
				reading(Metric.STEPS, "2025-06-30T23:59:59Z", 2000), invalidLongBefore);
		// 2025-06-02 is in the lookback (no row); 06-01 and 07-01 are outside the window
		assertThat(scores.scores()).containsExactly(dailyScore(DAY, null, 25, null, null, 0.4));
		assertThat(scores.rejections()).containsExactly(new Rejection(invalidLongBefore, RejectionReason.NOT_FINITE));
	}

	@Test
	void scoresNothingWithoutReadings() {
		UserScores scores = score();
		assertThat(scores.scores()).isEmpty();
		assertThat(scores.rejections()).isEmpty();
	}

	@Test
	void scoresALongRangeOfManyReadings() {
		List<Reading> readings = new ArrayList<>();
		LocalDate first = LocalDate.parse("2025-01-01");
		for (int day = -28; day < 365; day++) {
			for (int hour = 0; hour < 24; hour++) {
				String at = first.plusDays(day) + String.format(Locale.ROOT, "T%02d:00:00Z", hour);
				readings.add(reading(Metric.STEPS, at, 400, (hour % 2 == 0) ? "phone" : "watch"));
			}
			readings.add(TestReadings.noon(Metric.RESTING_HEART_RATE, first.plusDays(day), 60));
		}
		UserScores scores = this.algorithm.score(inputs(utcUser(), "2025-01-01", "2025-12-31", readings));
		// each source 12 * 400 = 4800 -> 60; heart 100 against baseline 60
		// (24 + 25) / 0.65 = 75.38
		assertThat(scores.scores()).hasSize(365)
			.allSatisfy((score) -> assertThat(score)
				.isEqualTo(dailyScore(score.day().toString(), 75, 60, null, 100, 0.65)));
	}

	@Test
	void failsForAReadingOfAnotherUser() {
		Reading other = new Reading(7, Metric.STEPS, Instant.parse("2025-06-30T08:00:00Z"), 100, "phone", null);
		assertThatIllegalArgumentException().isThrownBy(() -> score(other))
			.withMessageStartingWith("Invalid reading of user 7 given to score user 42: Reading[userId=7");
	}

	@Test
	void failsForAProfileOfAnotherUser() {
		UserProfile other = new UserProfile(7, ZoneOffset.UTC, 8000, false);
		ScoreInputs inputs = new ScoreInputs(42, other, LocalDate.parse(DAY), LocalDate.parse(DAY), List.of());
		assertThatIllegalArgumentException().isThrownBy(() -> this.algorithm.score(inputs))
			.withMessage("Invalid inputs, profile of user 7 given to score user 42");
	}

	@Test
	void failsForAReadingWithoutMetric() {
		Reading broken = new Reading(42, null, Instant.parse("2025-06-30T08:00:00Z"), 100, "phone", null);
		assertThatIllegalArgumentException().isThrownBy(() -> score(broken))
			.withMessageStartingWith("Invalid reading without a metric: Reading[userId=42, metric=null");
	}

	@Test
	void failsWhenTheLastDayIsBeforeTheFirst() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.algorithm.score(inputs(utcUser(), "2025-06-30", "2025-06-29", List.of())))
			.withMessage("Invalid inputs, last day 2025-06-29 is before first day 2025-06-30");
	}

	private UserScores score(Reading... readings) {
		return this.algorithm.score(inputs(utcUser(), DAY, DAY, List.of(readings)));
	}

}
