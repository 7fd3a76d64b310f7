package dev.healthscore.io.score;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.UserProfile;
import dev.healthscore.scoring.v1.HealthScoreV1;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the fingerprint of a score covers: exactly the readings the score depends on. */
class InputFingerprintsTests {

	private static final LocalDate D = LocalDate.parse("2025-03-20");

	private static final UserProfile USER = new UserProfile(7, ZoneId.of("Asia/Kathmandu"), 8000, false);

	private final HealthScoreV1 algorithm = new HealthScoreV1();

	private final InputHashes hashes = new InputHashes();

	@Test
	void countsTheDaysReadingsAndTheRestingHeartRatesOfTheLookbackOnly() {
		List<Reading> readings = new ArrayList<>();
		readings.add(reading(Metric.STEPS, D, 5000));
		readings.add(reading(Metric.SLEEP_MINUTES, D, 420));
		for (int i = 1; i <= 30; i++) {
			readings.add(reading(Metric.RESTING_HEART_RATE, D.minusDays(i), 60));
			readings.add(reading(Metric.STEPS, D.minusDays(i), 4000));
		}
		readings.add(reading(Metric.HEART_RATE, D, 90));
		readings.add(reading(Metric.STEPS, D, Double.NaN));
		assertThat(fingerprint(readings).count()).isEqualTo(2 + 28);
	}

	@Test
	void dependsOnTheReadingsNotTheirOrder() {
		List<Reading> readings = new ArrayList<>(List.of(reading(Metric.STEPS, D, 5000),
				reading(Metric.ACTIVE_MINUTES, D, 20), reading(Metric.RESTING_HEART_RATE, D.minusDays(3), 55)));
		InputFingerprint first = fingerprint(readings);
		Collections.reverse(readings);
		assertThat(fingerprint(readings)).isEqualTo(first);
		readings.set(0, reading(Metric.RESTING_HEART_RATE, D.minusDays(3), 56));
		assertThat(fingerprint(readings).count()).isEqualTo(first.count());
		assertThat(fingerprint(readings).hash()).isNotEqualTo(first.hash());
	}

	@Test
	void dependsOnTheProfile() {
		List<Reading> readings = List.of(reading(Metric.STEPS, D, 5000));
		InputFingerprint fingerprint = fingerprint(readings);
		UserProfile otherGoal = new UserProfile(7, USER.timeZone(), 9000, false);
		Map<LocalDate, InputFingerprint> other = fingerprints(otherGoal, readings);
		assertThat(other.get(D).hash()).isNotEqualTo(fingerprint.hash());
	}

	private InputFingerprint fingerprint(List<Reading> readings) {
		return fingerprints(USER, readings).get(D);
	}

	private Map<LocalDate, InputFingerprint> fingerprints(UserProfile user, List<Reading> readings) {
		ScoreInputs inputs = new ScoreInputs(7, user, D, D, readings);
		return InputFingerprints.of(this.algorithm, inputs, this.algorithm.score(inputs), this.hashes);
	}

	private static Reading reading(Metric metric, LocalDate day, double value) {
		Instant at = day.atTime(12, 0).atZone(USER.timeZone()).toInstant();
		return new Reading(7, metric, at, value, "watch", at);
	}

}
