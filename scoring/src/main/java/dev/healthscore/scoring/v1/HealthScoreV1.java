package dev.healthscore.scoring.v1;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.healthscore.scoring.DailyScore;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.Rejection;
import dev.healthscore.scoring.RejectionReason;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.ScoringAlgorithm;
import dev.healthscore.scoring.UserProfile;
import dev.healthscore.scoring.UserScores;

/**
 * Version 1 of the health score, exactly as DESIGN.md section 4 defines it.
 * <p>
 * Decisions where the definition leaves room:
 * <ul>
 * <li>Readings of metrics that are not {@linkplain #inputMetrics() inputs}
 * ({@code heart_rate}) are ignored entirely: never scored and never rejected, not even
 * for an unknown or deleted user.</li>
 * <li>Every input reading given is validated, wherever its local day lies, so invalid
 * readings outside {@code firstDay - 28 .. lastDay} are rejected too; valid readings
 * outside that window are ignored. Rejections are listed in input order.</li>
 * <li>When the user is unknown or deleted, every input reading is rejected for that
 * reason and no day is scored.</li>
 * <li>A reading's rejection reason is the first broken rule in the order documented on
 * {@link ReadingValidator}.</li>
 * <li>A reading of another user, or without a metric, is a caller's mistake and fails the
 * call with an {@link IllegalArgumentException}.</li>
 * <li>The step goal is used as written, even when it is 0: any steps then give
 * {@code s = 1}, and 0 steps give {@code s = NaN}, which makes the activity component
 * {@code Math.round(NaN) = 0}. Keeping goals positive is up to the profile's source.</li>
 * </ul>
 * Instances are stateless and thread-safe.
 */
public final class HealthScoreV1 implements ScoringAlgorithm {

	/** The version number stored with every score. */
	public static final int VERSION = 1;

	/** How many days before a scored day its readings count (heart baseline). */
	public static final int LOOKBACK_DAYS = HeartBaselines.WINDOW_DAYS;

	/** The metrics whose readings this version scores. */
	public static final Set<Metric> INPUT_METRICS = Collections.unmodifiableSet(
			EnumSet.of(Metric.STEPS, Metric.ACTIVE_MINUTES, Metric.SLEEP_MINUTES, Metric.RESTING_HEART_RATE));

	/**
	 * The metrics whose readings of earlier days change a day's score: the resting heart
	 * rate, through the heart baseline.
	 */
	public static final Set<Metric> LOOKBACK_METRICS = Collections
		.unmodifiableSet(EnumSet.of(Metric.RESTING_HEART_RATE));

	static final double ACTIVITY_WEIGHT = 0.40;

	static final double SLEEP_WEIGHT = 0.35;

	static final double HEART_WEIGHT = 0.25;

	static final double MIN_COMPLETENESS = 0.5;

	@Override
	public int version() {
		return VERSION;
	}

	@Override
	public int lookbackDays() {
		return LOOKBACK_DAYS;
	}

	@Override
	public Set<Metric> inputMetrics() {
		return INPUT_METRICS;
	}

	@Override
	public Set<Metric> lookbackMetrics() {
		return LOOKBACK_METRICS;
	}

	@Override
	public UserScores score(ScoreInputs inputs) {
		UserProfile user = inputs.user();
		if (user != null && user.userId() != inputs.userId()) {
			throw new IllegalArgumentException(String.format(Locale.ROOT,
					"Invalid inputs, profile of user %d given to score user %d", user.userId(), inputs.userId()));
		}
		if (inputs.lastDay().isBefore(inputs.firstDay())) {
			throw new IllegalArgumentException("Invalid inputs, last day %s is before first day %s"
				.formatted(inputs.lastDay(), inputs.firstDay()));
		}
		ReadingValidator validator = new ReadingValidator(user);
		if (validator.rejectsEveryReading()) {
			return new UserScores(inputs.userId(), List.of(), rejectAll(inputs, validator));
		}
		LocalDays days = new LocalDays(user.timeZone(), inputs.firstDay().minusDays(LOOKBACK_DAYS), inputs.lastDay());
		DailyAggregates aggregates = new DailyAggregates(days.dayCount());
		List<Rejection> rejections = new ArrayList<>();
		for (Reading reading : inputs.readings()) {
			if (isInput(reading, inputs.userId())) {
				RejectionReason reason = validator.rejectionReason(reading);
				if (reason != null) {
					rejections.add(new Rejection(reading, reason));
				}
				else {
					aggregate(reading, days, aggregates);
				}
			}
		}
		List<DailyScore> scores = scoreDays(inputs.userId(), user.dailyStepGoal(), days, aggregates);
		return new UserScores(inputs.userId(), scores, unmodifiable(rejections));
	}

	private static List<Rejection> rejectAll(ScoreInputs inputs, ReadingValidator validator) {
		List<Rejection> rejections = new ArrayList<>();
		for (Reading reading : inputs.readings()) {
			if (isInput(reading, inputs.userId())) {
				rejections.add(new Rejection(reading, validator.rejectionReason(reading)));
			}
		}
		return unmodifiable(rejections);
	}

	private static void aggregate(Reading reading, LocalDays days, DailyAggregates aggregates) {
		int day = days.indexOf(reading.recordedAt());
		if (day != LocalDays.OUTSIDE) {
			aggregates.add(reading.metric(), day, reading.source(), reading.value());
		}
	}

	private static <T> List<T> unmodifiable(List<T> list) {
		return list.isEmpty() ? List.of() : Collections.unmodifiableList(list);
	}

	private static boolean isInput(Reading reading, long userId) {
		if (reading.userId() != userId) {
			throw new IllegalArgumentException(String.format(Locale.ROOT,
					"Invalid reading of user %d given to score user %d: %s", reading.userId(), userId, reading));
		}
		Metric metric = reading.metric();
		if (metric == null) {
			throw new IllegalArgumentException("Invalid reading without a metric: %s".formatted(reading));
		}
		return INPUT_METRICS.contains(metric);
	}

	private static List<DailyScore> scoreDays(long userId, int stepGoal, LocalDays days, DailyAggregates aggregates) {
		double[] restingHeartRates = aggregates.restingHeartRates();
		double[] baselines = HeartBaselines.compute(restingHeartRates, LOOKBACK_DAYS);
		List<DailyScore> scores = new ArrayList<>(days.dayCount() - LOOKBACK_DAYS);
		for (int day = LOOKBACK_DAYS; day < days.dayCount(); day++) {
			Integer activity = Components.activity(aggregates.steps(day), aggregates.activeMinutes(day), stepGoal);
			double sleepMinutes = aggregates.sleepMinutes(day);
			Integer sleep = Double.isNaN(sleepMinutes) ? null : Components.sleep(sleepMinutes);
			double restingHeartRate = restingHeartRates[day];
			Integer heart = Double.isNaN(restingHeartRate) ? null : Components.heart(restingHeartRate, baselines[day]);
			if (activity != null || sleep != null || heart != null) {
				scores.add(dailyScore(userId, days, day, activity, sleep, heart));
			}
		}
		return Collections.unmodifiableList(scores);
	}

	private static DailyScore dailyScore(long userId, LocalDays days, int day, Integer activity, Integer sleep,
			Integer heart) {
		double completeness = 0.0;
		double weighted = 0.0;
		if (activity != null) {
			completeness += ACTIVITY_WEIGHT;
			weighted += ACTIVITY_WEIGHT * activity;
		}
		if (sleep != null) {
			completeness += SLEEP_WEIGHT;
			weighted += SLEEP_WEIGHT * sleep;
		}
		if (heart != null) {
			completeness += HEART_WEIGHT;
			weighted += HEART_WEIGHT * heart;
		}
		return new DailyScore(userId, days.day(day), overallScore(weighted, completeness), activity, sleep, heart,
				completeness, VERSION);
	}

	/**
	 * The overall score: {@code round(weighted / completeness)} when
	 * {@code completeness >= 0.5}, else {@code null}. The weights make 0.5 itself
	 * unreachable (the present sums are 0.25, 0.35, 0.4, 0.6, 0.65, 0.75 and 1.0), so the
	 * boundary is tested here.
	 */
	static Integer overallScore(double weighted, double completeness) {
		if (completeness >= MIN_COMPLETENESS) {
			return (int) Math.round(weighted / completeness);
		}
		return null;
	}

}
