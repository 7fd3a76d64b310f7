package dev.healthscore.io.score;

import java.time.LocalDate;
import java.time.zone.ZoneRules;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.healthscore.scoring.DailyScore;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.Rejection;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.ScoringAlgorithm;
import dev.healthscore.scoring.UserScores;

/**
 * Computes the {@link InputFingerprint} of each score of a user, at scoring time, from
 * the inputs that were scored.
 * <p>
 * A score of day D depends on the valid readings of every input metric on D, on the valid
 * readings of the {@linkplain ScoringAlgorithm#lookbackMetrics() lookback metrics} on
 * D-{@code lookbackDays}..D-1, and on the user's profile: its fingerprint counts and
 * hashes exactly those. A reading is valid when the algorithm did not reject it; local
 * days are the user's. The reconcile job computes the same numbers in SQL and compares.
 */
public final class InputFingerprints {

	private static final long SECONDS_PER_DAY = 86_400;

	private InputFingerprints() {
	}

	/**
	 * Returns the fingerprints of the scores of {@code result}, by day.
	 * @param algorithm the algorithm that scored the inputs
	 * @param inputs what was scored
	 * @param result what scoring gave
	 * @param hashes the hash functions to use (one per thread)
	 * @return a fingerprint for each day of {@code result.scores()}
	 */
	public static Map<LocalDate, InputFingerprint> of(ScoringAlgorithm algorithm, ScoreInputs inputs, UserScores result,
			InputHashes hashes) {
		if (result.scores().isEmpty() || inputs.user() == null) {
			return Map.of();
		}
		int lookback = algorithm.lookbackDays();
		long firstEpochDay = inputs.firstDay().toEpochDay() - lookback;
		int dayCount = Math.toIntExact(inputs.lastDay().toEpochDay() - firstEpochDay + 1);
		DaySums all = new DaySums(dayCount);
		DaySums earlier = new DaySums(dayCount + 1);
		Set<Metric> inputMetrics = algorithm.inputMetrics();
		Set<Metric> lookbackMetrics = algorithm.lookbackMetrics();
		Set<Reading> rejected = rejected(result);
		ZoneRules zone = inputs.user().timeZone().getRules();
		for (Reading reading : inputs.readings()) {
			if (!inputMetrics.contains(reading.metric()) || (!rejected.isEmpty() && rejected.contains(reading))) {
				continue;
			}
			long second = reading.recordedAt().getEpochSecond();
			long localDay = Math.floorDiv(second + zone.getOffset(reading.recordedAt()).getTotalSeconds(),
					SECONDS_PER_DAY);
			int day = (int) (localDay - firstEpochDay);
			if (localDay >= firstEpochDay && day < dayCount) {
				long hash = hashes.reading(reading);
				all.add(day, hash);
				if (lookbackMetrics.contains(reading.metric())) {
					// at day + 1: after accumulate(), earlier[i] sums the days before i
					earlier.add(day + 1, hash);
				}
			}
		}
		earlier.accumulate();
		long profile = hashes.profile(inputs.user());
		Map<LocalDate, InputFingerprint> fingerprints = new HashMap<>();
		for (DailyScore score : result.scores()) {
			int day = (int) (score.day().toEpochDay() - firstEpochDay);
			int from = Math.max(0, day - lookback);
			int count = all.counts[day] + earlier.counts[day] - earlier.counts[from];
			long hash = all.hashes[day] + earlier.hashes[day] - earlier.hashes[from] + profile;
			fingerprints.put(score.day(), new InputFingerprint(count, hash));
		}
		return fingerprints;
	}

	private static Set<Reading> rejected(UserScores result) {
		if (result.rejections().isEmpty()) {
			return Set.of();
		}
		Set<Reading> rejected = new HashSet<>();
		for (Rejection rejection : result.rejections()) {
			rejected.add(rejection.reading());
		}
		return rejected;
	}

	/** Per-day counts and hash sums; after {@link #accumulate()}, prefix sums. */
	private static final class DaySums {

		final int[] counts;

		final long[] hashes;

		DaySums(int days) {
			this.counts = new int[days];
			this.hashes = new long[days];
		}

		void add(int day, long hash) {
			this.counts[day]++;
			this.hashes[day] += hash;
		}

		void accumulate() {
			for (int i = 1; i < this.counts.length; i++) {
				this.counts[i] += this.counts[i - 1];
				this.hashes[i] += this.hashes[i - 1];
			}
		}

	}

}
