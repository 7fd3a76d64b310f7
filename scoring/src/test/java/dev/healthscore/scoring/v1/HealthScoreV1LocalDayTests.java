package dev.healthscore.scoring.v1;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.UserScores;

import static dev.healthscore.scoring.v1.TestReadings.dailyScore;
import static dev.healthscore.scoring.v1.TestReadings.inputs;
import static dev.healthscore.scoring.v1.TestReadings.reading;
import static dev.healthscore.scoring.v1.TestReadings.user;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Local days end to end: readings belong to the day of the user's time zone. Steps are
 * scored against a goal of 10000, so the activity component shows the day's steps in
 * hundreds.
 */
class HealthScoreV1LocalDayTests {

	private final HealthScoreV1 algorithm = new HealthScoreV1();

	@Test
	void assignsReadingsToTheTwentyThreeHourDayWhenClocksSpringForward() {
		UserScores scores = score("America/New_York", "2025-03-08", "2025-03-10",
				// 23:59:59 EST on 03-08
				steps("2025-03-09T04:59:59Z", 500),
				// 00:00 EST and 23:30 EDT on 03-09
				steps("2025-03-09T05:00:00Z", 1000), steps("2025-03-10T03:30:00Z", 2000),
				// 00:00 EDT on 03-10
				steps("2025-03-10T04:00:00Z", 4000));
		assertThat(scores.scores()).containsExactly(dailyScore("2025-03-08", null, 5, null, null, 0.4),
				dailyScore("2025-03-09", null, 30, null, null, 0.4),
				dailyScore("2025-03-10", null, 40, null, null, 0.4));
	}

	@Test
	void assignsReadingsToTheTwentyFiveHourDayWhenClocksFallBack() {
		UserScores scores = score("America/New_York", "2025-11-01", "2025-11-03",
				// 23:59:59 EDT on 11-01
				steps("2025-11-02T03:59:59Z", 500),
				// 00:00 EDT, 01:30 EDT, 01:30 EST and 23:30 EST on 11-02
				steps("2025-11-02T04:00:00Z", 1000), steps("2025-11-02T05:30:00Z", 1000),
				steps("2025-11-02T06:30:00Z", 1000), steps("2025-11-03T04:30:00Z", 1000),
				// 00:00 EST on 11-03
				steps("2025-11-03T05:00:00Z", 2000));
		assertThat(scores.scores()).containsExactly(dailyScore("2025-11-01", null, 5, null, null, 0.4),
				dailyScore("2025-11-02", null, 40, null, null, 0.4),
				dailyScore("2025-11-03", null, 20, null, null, 0.4));
	}

	@ParameterizedTest(name = "{0}: local midnight is {2}")
	@CsvSource({ "UTC, 2025-06-30T23:59:59Z, 2025-07-01T00:00:00Z",
			"Asia/Kolkata, 2025-06-30T18:29:59Z, 2025-06-30T18:30:00Z",
			"Asia/Kathmandu, 2025-06-30T18:14:59Z, 2025-06-30T18:15:00Z",
			"Australia/Eucla, 2025-06-30T15:14:59Z, 2025-06-30T15:15:00Z",
			"Pacific/Chatham, 2025-06-30T11:14:59Z, 2025-06-30T11:15:00Z",
			"Pacific/Kiritimati, 2025-06-30T09:59:59Z, 2025-06-30T10:00:00Z",
			"Pacific/Pago_Pago, 2025-07-01T10:59:59Z, 2025-07-01T11:00:00Z" })
	void assignsAReadingAtLocalMidnightToTheNewDay(String zone, String lastSecondOfDay, String midnight) {
		UserScores scores = score(zone, "2025-06-30", "2025-07-01", steps(lastSecondOfDay, 1000),
				steps(midnight, 3000));
		assertThat(scores.scores()).containsExactly(dailyScore("2025-06-30", null, 10, null, null, 0.4),
				dailyScore("2025-07-01", null, 30, null, null, 0.4));
	}

	@Test
	void scoresTheLastDayOfAMinusElevenUserFromReadingsOnTheNextUtcDate() {
		// 22:00 on 07-01 in Pago Pago
		UserScores scores = score("Pacific/Pago_Pago", "2025-07-01", "2025-07-01", steps("2025-07-02T09:00:00Z", 3000),
				steps("2025-07-02T11:00:00Z", 8000));
		assertThat(scores.scores()).containsExactly(dailyScore("2025-07-01", null, 30, null, null, 0.4));
	}

	@Test
	void scoresTheFirstDayOfAPlusFourteenUserFromReadingsOnThePreviousUtcDate() {
		// 02:00 on 07-01 in Kiritimati
		UserScores scores = score("Pacific/Kiritimati", "2025-07-01", "2025-07-01", steps("2025-06-30T12:00:00Z", 3000),
				steps("2025-07-01T10:00:00Z", 8000));
		assertThat(scores.scores()).containsExactly(dailyScore("2025-07-01", null, 30, null, null, 0.4));
	}

	@Test
	void countsLookbackDaysInTheUsersTimeZone() {
		// Kiritimati: local 06-03 starts at 06-02T10:00Z, which is D-28 of 07-01
		List<Reading> readings = new ArrayList<>();
		for (int day = 0; day < 7; day++) {
			String at = LocalDate.parse("2025-06-02").plusDays(day) + "T10:00:00Z";
			readings.add(reading(Metric.RESTING_HEART_RATE, at, 60));
		}
		readings.add(reading(Metric.RESTING_HEART_RATE, "2025-06-30T12:00:00Z", 70));
		UserScores scores = this.algorithm
			.score(inputs(user("Pacific/Kiritimati", 10000), "2025-07-01", "2025-07-01", readings));
		// baseline 60 from local 06-03..06-09: 100 - 10 * (70 - 60)
		assertThat(scores.scores()).containsExactly(dailyScore("2025-07-01", null, null, null, 0, 0.25));
	}

	private UserScores score(String zone, String firstDay, String lastDay, Reading... readings) {
		return this.algorithm.score(inputs(user(zone, 10000), firstDay, lastDay, List.of(readings)));
	}

	private static Reading steps(String recordedAt, double value) {
		return reading(Metric.STEPS, recordedAt, value);
	}

}
