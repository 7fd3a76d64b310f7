package dev.healthscore.scoring.v1;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;

import dev.healthscore.scoring.DailyScore;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.UserProfile;

/** Builds the readings, users and inputs the tests of version 1 score. */
final class TestReadings {

	static final long USER_ID = 42;

	private TestReadings() {
	}

	/** A reading from the phone, ingested when it was recorded. */
	static Reading reading(Metric metric, String recordedAt, double value) {
		return reading(metric, recordedAt, value, "phone");
	}

	/** A reading from a source, ingested when it was recorded. */
	static Reading reading(Metric metric, String recordedAt, double value, String source) {
		Instant instant = Instant.parse(recordedAt);
		return new Reading(USER_ID, metric, instant, value, source, instant);
	}

	/** A reading from the phone at noon UTC of a day, ingested when it was recorded. */
	static Reading noon(Metric metric, LocalDate day, double value) {
		return reading(metric, day + "T12:00:00Z", value);
	}

	static UserProfile user(String zone, int dailyStepGoal) {
		return new UserProfile(USER_ID, ZoneId.of(zone), dailyStepGoal, false);
	}

	static UserProfile utcUser() {
		return user("UTC", 8000);
	}

	static ScoreInputs inputs(UserProfile user, String firstDay, String lastDay, List<Reading> readings) {
		return new ScoreInputs(USER_ID, user, LocalDate.parse(firstDay), LocalDate.parse(lastDay), readings);
	}

	static DailyScore dailyScore(String day, Integer score, Integer activity, Integer sleep, Integer heart,
			double completeness) {
		return new DailyScore(USER_ID, LocalDate.parse(day), score, activity, sleep, heart, completeness, 1);
	}

}
