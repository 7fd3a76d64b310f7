package dev.healthscore.scoring.v1;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.UserProfile;
import dev.healthscore.scoring.UserScores;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract of {@link HealthScoreV1#lookbackMetrics()}: scoring a few days with only
 * the lookback metrics' readings before them gives the scores of a full read.
 */
class HealthScoreV1LookbackMetricsTests {

	private static final LocalDate FIRST = LocalDate.parse("2025-03-01");

	private static final LocalDate LAST = LocalDate.parse("2025-03-20");

	private final HealthScoreV1 algorithm = new HealthScoreV1();

	@Test
	void lookbackMetricsAreTheRestingHeartRateOnly() {
		assertThat(this.algorithm.lookbackMetrics()).containsExactly(Metric.RESTING_HEART_RATE);
		assertThat(this.algorithm.inputMetrics()).containsAll(this.algorithm.lookbackMetrics());
	}

	@Test
	void scoringWithOnlyLookbackMetricsBeforeTheFirstDayGivesTheSameScores() {
		for (long seed = 1; seed <= 20; seed++) {
			UserProfile user = new UserProfile(TestReadings.USER_ID, ZoneId.of("America/St_Johns"), 7000, false);
			List<Reading> all = randomReadings(new SplittableRandom(seed), FIRST.minusDays(40), LAST);
			for (LocalDate first = FIRST; !first.isAfter(LAST); first = first.plusDays(7)) {
				List<Reading> limited = withoutEarlierInputsBefore(first, user, all);
				assertThat(limited).hasSizeLessThan(all.size());
				UserScores full = score(user, first, all);
				assertThat(full.scores()).isNotEmpty();
				assertThat(score(user, first, limited).scores()).isEqualTo(full.scores());
			}
		}
	}

	private List<Reading> withoutEarlierInputsBefore(LocalDate first, UserProfile user, List<Reading> all) {
		List<Reading> limited = new ArrayList<>();
		for (Reading reading : all) {
			LocalDate day = LocalDate.ofInstant(reading.recordedAt(), user.timeZone());
			if (!day.isBefore(first) || this.algorithm.lookbackMetrics().contains(reading.metric())) {
				limited.add(reading);
			}
		}
		return limited;
	}

	private UserScores score(UserProfile user, LocalDate first, List<Reading> readings) {
		return this.algorithm.score(new ScoreInputs(TestReadings.USER_ID, user, first, LAST, readings));
	}

	private static List<Reading> randomReadings(SplittableRandom random, LocalDate first, LocalDate last) {
		List<Reading> readings = new ArrayList<>();
		Metric[] metrics = { Metric.STEPS, Metric.ACTIVE_MINUTES, Metric.SLEEP_MINUTES, Metric.RESTING_HEART_RATE };
		for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
			Instant midnight = day.atStartOfDay(ZoneId.of("UTC")).toInstant();
			for (int i = 0; i < 6; i++) {
				Metric metric = metrics[random.nextInt(metrics.length)];
				Instant at = midnight.plusSeconds(random.nextLong(86_400));
				double value = (metric == Metric.RESTING_HEART_RATE) ? 45 + random.nextInt(30)
						: random.nextInt((int) Math.min(metric.max(), 12_000));
				readings
					.add(new Reading(TestReadings.USER_ID, metric, at, value, (i % 2 == 0) ? "phone" : "watch", at));
			}
		}
		return readings;
	}

}
