package dev.healthscore.scoring.v1;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ComponentsTests {

	private static final double ABSENT = Double.NaN;

	@ParameterizedTest(name = "{0} steps of 8000 -> {1}")
	@CsvSource({ "6000, 75", "0, 0", "8000, 100", "12000, 100", "4040, 51" })
	void scoresActivityFromStepsAloneAgainstTheGoalCappedAtOne(double steps, int expected) {
		// 4040 / 8000 = 0.505, 100.0 * 0.505 = 50.5 rounds up
		assertThat(Components.activity(steps, ABSENT, 8000)).isEqualTo(expected);
	}

	@ParameterizedTest(name = "{0} active minutes -> {1}")
	@CsvSource({ "15, 50", "0, 0", "30, 100", "45, 100", "1440, 100" })
	void scoresActivityFromActiveMinutesAloneAgainstThirtyCappedAtOne(double active, int expected) {
		assertThat(Components.activity(ABSENT, active, 8000)).isEqualTo(expected);
	}

	@ParameterizedTest(name = "{0} steps and {1} active minutes -> {2}")
	@CsvSource({ "4000, 15, 50", "8000, 0, 60", "0, 30, 40", "8000, 30, 100", "20000, 90, 100", "6000, 15, 65" })
	void weighsStepsSixTenthsAndActiveMinutesFourTenthsWhenBothArePresent(double steps, double active, int expected) {
		// 6000 and 15: 100.0 * (0.6 * 0.75 + 0.4 * 0.5)
		// = 64.99999999999999 in double, rounds to 65
		assertThat(Components.activity(steps, active, 8000)).isEqualTo(expected);
	}

	@Test
	void computesActivityInDoubleInTheOrderWritten() {
		// 100 * (0.6 * 600/8000 + 0.4 * 9/30) is 16.5 exactly,
		// but 16.499999999999996 in double
		assertThat(Components.activity(600, 9, 8000)).isEqualTo(16);
	}

	@Test
	void usesTheUsersOwnStepGoal() {
		assertThat(Components.activity(5000, ABSENT, 10000)).isEqualTo(50);
		assertThat(Components.activity(5000, ABSENT, 5000)).isEqualTo(100);
	}

	@Test
	void appliesAStepGoalOfZeroAsWritten() {
		// 500 / 0 = Infinity -> s = 1
		// 0 / 0 = NaN -> round(NaN) = 0, whatever the active minutes
		assertThat(Components.activity(500, ABSENT, 0)).isEqualTo(100);
		assertThat(Components.activity(0, ABSENT, 0)).isZero();
		assertThat(Components.activity(0, 30, 0)).isZero();
	}

	@Test
	void hasNoActivityWithoutStepsOrActiveMinutes() {
		assertThat(Components.activity(ABSENT, ABSENT, 8000)).isNull();
	}

	@ParameterizedTest(name = "{0} minutes -> 100")
	@CsvSource({ "420", "480", "540" })
	void scoresSevenToNineHoursOfSleepInclusiveAsOneHundred(double minutes) {
		assertThat(Components.sleep(minutes)).isEqualTo(100);
	}

	@ParameterizedTest(name = "{0} minutes -> {1}")
	@CsvSource({ "360, 75", "240, 25", "410, 96", "419, 100", "180, 0", "120, 0", "0, 0" })
	void losesTwentyFivePointsPerHourBelowSevenHoursButNotBelowZero(double minutes, int expected) {
		// 410: 100 - 25 * (7 - 6.8333) = 95.83; 419: 100 - 25 * (7 - 6.9833) = 99.58
		// 180: 100 - 25 * 4 = 0 exactly; 120 and 0 go below zero
		assertThat(Components.sleep(minutes)).isEqualTo(expected);
	}

	@ParameterizedTest(name = "{0} minutes -> {1}")
	@CsvSource({ "600, 80", "720, 40", "541, 100", "570, 90", "840, 0", "870, 0", "1440, 0" })
	void losesTwentyPointsPerHourAboveNineHoursButNotBelowZero(double minutes, int expected) {
		// 541: 100 - 20 * 0.01667 = 99.67; 840: 100 - 20 * 5 = 0 exactly
		// 870 and 1440 go below zero
		assertThat(Components.sleep(minutes)).isEqualTo(expected);
	}

	@Test
	void roundsAHalfSleepPointUp() {
		// 402 min: 100.0 - 25.0 * (7.0 - 6.7) is 92.5 in double
		assertThat(Components.sleep(402)).isEqualTo(93);
	}

	@Test
	void computesSleepInDoubleInTheOrderWritten() {
		// 306 min: 100 - 25 * (7 - 5.1) is 52.5 exactly, but 52.49999999999999 in double
		assertThat(Components.sleep(306)).isEqualTo(52);
	}

	@ParameterizedTest(name = "rhr {0} -> {1}")
	@CsvSource({ "60, 100", "70, 80", "61.25, 98", "59.75, 100", "40, 100", "110, 0", "120, 0", "109.75, 1" })
	void scoresHeartAgainstSixtyWithoutBaselineClampedToZeroAndOneHundred(double rhr, int expected) {
		// 61.25: 100 - 2 * 1.25 = 97.5 rounds up
		// 59.75: 100.5 rounds to 101, clamped to 100
		// 109.75: 100 - 99.5 = 0.5 rounds up to 1
		assertThat(Components.heart(rhr, ABSENT)).isEqualTo(expected);
	}

	@ParameterizedTest(name = "rhr {0} against {1} -> {2}")
	@CsvSource({ "65, 63, 80", "63, 63, 100", "55, 63, 100", "80, 63, 0", "73, 63, 0", "63.25, 63, 98", "65, 63.5, 85",
			"62.5, 63, 100" })
	void scoresHeartAgainstTheBaselineClampedToZeroAndOneHundred(double rhr, double baseline, int expected) {
		// 63.25: 100 - 10 * 0.25 = 97.5 rounds up; 73: 0 exactly
		// clamped: 55 gives 180, 62.5 gives 105, 80 gives -70
		assertThat(Components.heart(rhr, baseline)).isEqualTo(expected);
	}

	@Test
	void givesAnOverallScoreAtExactlyHalfCompleteness() {
		assertThat(HealthScoreV1.overallScore(30.0, 0.5)).isEqualTo(60);
	}

	@Test
	void givesNoOverallScoreJustBelowHalfCompleteness() {
		assertThat(HealthScoreV1.overallScore(30.0, Math.nextDown(0.5))).isNull();
		assertThat(HealthScoreV1.overallScore(40.0, 0.4)).isNull();
	}

	@Test
	void roundsTheOverallScoreHalfUp() {
		assertThat(HealthScoreV1.overallScore(59.5, 1.0)).isEqualTo(60);
		assertThat(HealthScoreV1.overallScore(59.49999999999999, 1.0)).isEqualTo(59);
	}

}
