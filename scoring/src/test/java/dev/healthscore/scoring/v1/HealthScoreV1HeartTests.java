package dev.healthscore.scoring.v1;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.healthscore.scoring.DailyScore;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.UserScores;

import static dev.healthscore.scoring.v1.TestReadings.dailyScore;
import static dev.healthscore.scoring.v1.TestReadings.inputs;
import static dev.healthscore.scoring.v1.TestReadings.noon;
import static dev.healthscore.scoring.v1.TestReadings.utcUser;
import static org.assertj.core.api.Assertions.assertThat;

/** The heart component end to end: the 28-day resting heart rate baseline. */
class HealthScoreV1HeartTests {

	private static final LocalDate D = LocalDate.parse("2025-06-30");

	private final HealthScoreV1 algorithm = new HealthScoreV1();

	@Test
	void scoresAgainstSixtyWhenOnlySixDaysBeforeHaveARestingHeartRate() {
		List<Reading> readings = restingHeartRates(D.minusDays(6), 61, 62, 63, 64, 65, 66);
		readings.add(noon(Metric.RESTING_HEART_RATE, D, 65));
		// no baseline: 100 - 2 * (65 - 60)
		assertThat(heartOfD(readings)).isEqualTo(90);
	}

	@Test
	void scoresAgainstTheMedianWhenSevenDaysBeforeHaveARestingHeartRate() {
		List<Reading> readings = restingHeartRates(D.minusDays(7), 60, 61, 62, 63, 64, 65, 66);
		readings.add(noon(Metric.RESTING_HEART_RATE, D, 65));
		// baseline 63: 100 - 10 * (65 - 63)
		assertThat(heartOfD(readings)).isEqualTo(80);
	}

	@Test
	void takesTheMeanOfTheTwoMiddleDaysForAnEvenCount() {
		List<Reading> readings = restingHeartRates(D.minusDays(8), 67, 60, 66, 61, 65, 62, 64, 63);
		readings.add(noon(Metric.RESTING_HEART_RATE, D, 65));
		// baseline (63 + 64) / 2.0 = 63.5: 100 - 10 * 1.5
		assertThat(heartOfD(readings)).isEqualTo(85);
	}

	@Test
	void countsEachDayOnceWithItsLowestRestingHeartRate() {
		List<Reading> readings = restingHeartRates(D.minusDays(6), 61, 62, 63, 64, 65, 66);
		readings.add(TestReadings.reading(Metric.RESTING_HEART_RATE, D.minusDays(1) + "T20:00:00Z", 50, "watch"));
		readings.add(noon(Metric.RESTING_HEART_RATE, D, 65));
		// still six days (61..65 and min(66, 50) = 50): no baseline
		assertThat(heartOfD(readings)).isEqualTo(90);
	}

	@Test
	void changesTheBaselineWhenALateRestingHeartRateArrives() {
		List<Reading> readings = restingHeartRates(D.minusDays(7), 60, 61, 62, 63, 64, 65, 66);
		readings.add(noon(Metric.RESTING_HEART_RATE, D, 65));
		assertThat(heartOfD(readings)).isEqualTo(80);
		readings.add(noon(Metric.RESTING_HEART_RATE, D.minusDays(8), 50));
		// 50, 60..66: baseline (62 + 63) / 2.0 = 62.5: 100 - 10 * 2.5
		assertThat(heartOfD(readings)).isEqualTo(75);
	}

	@Test
	void includesTheDayTwentyEightDaysBeforeInTheBaseline() {
		List<Reading> readings = restingHeartRates(D.minusDays(28), 60, 60, 60, 60, 60, 60, 60);
		readings.add(noon(Metric.RESTING_HEART_RATE, D, 70));
		// baseline 60: 100 - 10 * 10
		assertThat(heartOfD(readings)).isZero();
	}

	@Test
	void excludesTheDayTwentyNineDaysBeforeFromTheBaseline() {
		List<Reading> readings = restingHeartRates(D.minusDays(29), 60, 60, 60, 60, 60, 60, 60);
		readings.add(noon(Metric.RESTING_HEART_RATE, D, 70));
		// six days D-28..D-23 left: 100 - 2 * 10
		assertThat(heartOfD(readings)).isEqualTo(80);
	}

	@Test
	void excludesInvalidRestingHeartRatesFromTheBaseline() {
		List<Reading> readings = restingHeartRates(D.minusDays(7), 60, 61, 62, 63, 64, 65, 251);
		readings.add(noon(Metric.RESTING_HEART_RATE, D, 65));
		assertThat(heartOfD(readings)).isEqualTo(90);
	}

	@Test
	void hasNoHeartComponentOnADayWithoutRestingHeartRateEvenWithABaseline() {
		List<Reading> readings = restingHeartRates(D.minusDays(7), 60, 61, 62, 63, 64, 65, 66);
		readings.add(noon(Metric.STEPS, D, 8000));
		assertThat(score(readings, D, D)).containsExactly(dailyScore("2025-06-30", null, 100, null, null, 0.4));
	}

	@Test
	void clampsTheHeartComponentToOneHundredBelowTheBaseline() {
		List<Reading> readings = restingHeartRates(D.minusDays(7), 60, 61, 62, 63, 64, 65, 66);
		readings.add(noon(Metric.RESTING_HEART_RATE, D, 50));
		// 100 - 10 * (50 - 63) = 230
		assertThat(heartOfD(readings)).isEqualTo(100);
	}

	@Test
	void changesTheScoresOfTheLateDayUntilTwentyEightDaysAfterIt() {
		LocalDate x = LocalDate.parse("2025-06-01");
		List<Reading> readings = restingHeartRates(x.plusDays(22), 60, 60, 60, 60, 60, 60, 70, 70);
		List<DailyScore> before = score(readings, x, x.plusDays(29));
		readings.add(noon(Metric.RESTING_HEART_RATE, x, 60));
		List<DailyScore> after = score(readings, x, x.plusDays(29));
		// x+28 looks at x..x+27: six days, then seven with x (baseline 60: 100 - 100)
		assertThat(heartOn(before, x.plusDays(28))).isEqualTo(80);
		assertThat(heartOn(after, x.plusDays(28))).isZero();
		// x+29 looks at x+1..x+28: six 60s and a 70, with or without x
		assertThat(heartOn(before, x.plusDays(29))).isZero();
		assertThat(heartOn(after, x.plusDays(29))).isZero();
		assertThat(after).first().isEqualTo(dailyScore("2025-06-01", null, null, null, 100, 0.25));
		assertThat(after.subList(1, 7)).isEqualTo(before.subList(0, 6))
			.allSatisfy((score) -> assertThat(score.heartScore()).isEqualTo(100));
	}

	private Integer heartOfD(List<Reading> readings) {
		return heartOn(score(readings, D, D), D);
	}

	private List<DailyScore> score(List<Reading> readings, LocalDate firstDay, LocalDate lastDay) {
		UserScores scores = this.algorithm.score(inputs(utcUser(), firstDay.toString(), lastDay.toString(), readings));
		return scores.scores();
	}

	private static Integer heartOn(List<DailyScore> scores, LocalDate day) {
		return scores.stream().filter((score) -> score.day().equals(day)).findFirst().orElseThrow().heartScore();
	}

	private static List<Reading> restingHeartRates(LocalDate first, double... values) {
		List<Reading> readings = new ArrayList<>();
		for (int i = 0; i < values.length; i++) {
			readings.add(noon(Metric.RESTING_HEART_RATE, first.plusDays(i), values[i]));
		}
		return readings;
	}

}
