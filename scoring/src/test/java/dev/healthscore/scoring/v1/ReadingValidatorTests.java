package dev.healthscore.scoring.v1;

import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.RejectionReason;
import dev.healthscore.scoring.UserProfile;

import static org.assertj.core.api.Assertions.assertThat;

class ReadingValidatorTests {

	private static final Instant RECORDED = Instant.parse("2025-06-30T12:00:00Z");

	private final ReadingValidator validator = new ReadingValidator(TestReadings.utcUser());

	@ParameterizedTest(name = "{0} {1} is valid")
	@CsvSource({ "STEPS, 0", "STEPS, 50000", "ACTIVE_MINUTES, 0", "ACTIVE_MINUTES, 1440", "SLEEP_MINUTES, 0",
			"SLEEP_MINUTES, 1440", "RESTING_HEART_RATE, 25", "RESTING_HEART_RATE, 250", "HEART_RATE, 25",
			"HEART_RATE, 250" })
	void acceptsValuesOnTheInclusiveBoundsOfTheRange(Metric metric, double value) {
		assertThat(this.validator.rejectionReason(reading(metric, value))).isNull();
	}

	@ParameterizedTest(name = "{0} {1} is out of range")
	@CsvSource({ "STEPS, -0.5", "STEPS, 50000.5", "ACTIVE_MINUTES, -1", "ACTIVE_MINUTES, 1440.5",
			"SLEEP_MINUTES, -0.001", "SLEEP_MINUTES, 1441", "RESTING_HEART_RATE, 24.9", "RESTING_HEART_RATE, 250.1",
			"HEART_RATE, 24.9", "HEART_RATE, 251" })
	void rejectsValuesJustOutsideTheRangeAsOutOfRange(Metric metric, double value) {
		assertThat(this.validator.rejectionReason(reading(metric, value))).isEqualTo(RejectionReason.OUT_OF_RANGE);
	}

	@Test
	void rejectsNanAndInfiniteValuesAsNotFinite() {
		assertThat(this.validator.rejectionReason(reading(Metric.STEPS, Double.NaN)))
			.isEqualTo(RejectionReason.NOT_FINITE);
		assertThat(this.validator.rejectionReason(reading(Metric.STEPS, Double.POSITIVE_INFINITY)))
			.isEqualTo(RejectionReason.NOT_FINITE);
		assertThat(this.validator.rejectionReason(reading(Metric.SLEEP_MINUTES, Double.NEGATIVE_INFINITY)))
			.isEqualTo(RejectionReason.NOT_FINITE);
	}

	/**
	 * A NULL value is its own reason, not a NaN one, and comes before the other value
	 * rules and clock skew.
	 */
	@Test
	void rejectsANullValueAsNullValueBeforeClockSkew() {
		assertThat(this.validator.rejectionReason(Reading.withNullValue(42, Metric.STEPS, RECORDED, "phone", RECORDED)))
			.isEqualTo(RejectionReason.NULL_VALUE);
		Reading skewed = Reading.withNullValue(42, Metric.SLEEP_MINUTES, RECORDED, "phone",
				RECORDED.minusSeconds(172_800));
		assertThat(this.validator.rejectionReason(skewed)).isEqualTo(RejectionReason.NULL_VALUE);
		assertThat(new ReadingValidator(null).rejectionReason(skewed)).isEqualTo(RejectionReason.UNKNOWN_USER);
	}

	@Test
	void keepsTheValueOfAReadingWithoutOneNaNWhateverItIsGiven() {
		Reading reading = new Reading(42, Metric.STEPS, RECORDED, 100, "phone", RECORDED, true);
		assertThat(reading.value()).isNaN();
		assertThat(reading).isEqualTo(Reading.withNullValue(42, Metric.STEPS, RECORDED, "phone", RECORDED));
		assertThat(reading).isNotEqualTo(new Reading(42, Metric.STEPS, RECORDED, Double.NaN, "phone", RECORDED));
	}

	@Test
	void acceptsARecordingExactlyOneDayAfterIngestion() {
		Reading reading = ingestedAt(RECORDED.minusSeconds(86_400));
		assertThat(this.validator.rejectionReason(reading)).isNull();
	}

	@Test
	void rejectsARecordingOneMillisecondMoreThanOneDayAfterIngestionAsClockSkew() {
		Reading reading = ingestedAt(RECORDED.minusSeconds(86_400).minusMillis(1));
		assertThat(this.validator.rejectionReason(reading)).isEqualTo(RejectionReason.CLOCK_SKEW);
	}

	@Test
	void rejectsARecordingOneNanosecondMoreThanOneDayAfterIngestionAsClockSkew() {
		Reading reading = ingestedAt(RECORDED.minusSeconds(86_400).minusNanos(1));
		assertThat(this.validator.rejectionReason(reading)).isEqualTo(RejectionReason.CLOCK_SKEW);
	}

	@Test
	void acceptsARecordingLongBeforeItsIngestion() {
		Reading reading = ingestedAt(RECORDED.plusSeconds(400 * 86_400L));
		assertThat(this.validator.rejectionReason(reading)).isNull();
	}

	@Test
	void acceptsAReadingWithoutIngestionTimeBecauseItsSkewCannotBeChecked() {
		assertThat(this.validator.rejectionReason(ingestedAt(null))).isNull();
	}

	@Test
	void rejectsEveryReadingOfAnUnknownUserAsUnknownUser() {
		ReadingValidator unknown = new ReadingValidator(null);
		assertThat(unknown.rejectsEveryReading()).isTrue();
		assertThat(unknown.rejectionReason(reading(Metric.STEPS, 100))).isEqualTo(RejectionReason.UNKNOWN_USER);
	}

	@Test
	void rejectsEveryReadingOfADeletedUserAsDeletedUser() {
		ReadingValidator deleted = new ReadingValidator(new UserProfile(42, ZoneOffset.UTC, 8000, true));
		assertThat(deleted.rejectsEveryReading()).isTrue();
		assertThat(deleted.rejectionReason(reading(Metric.STEPS, 100))).isEqualTo(RejectionReason.DELETED_USER);
	}

	@Test
	void rejectsNoReadingOfAnExistingUserForTheUserAlone() {
		assertThat(this.validator.rejectsEveryReading()).isFalse();
	}

	@Test
	void givesTheUserReasonBeforeAnyValueReason() {
		Reading broken = new Reading(42, Metric.STEPS, RECORDED, Double.NaN, "phone", RECORDED.minusSeconds(172_800));
		assertThat(new ReadingValidator(null).rejectionReason(broken)).isEqualTo(RejectionReason.UNKNOWN_USER);
		assertThat(new ReadingValidator(new UserProfile(42, ZoneOffset.UTC, 8000, true)).rejectionReason(broken))
			.isEqualTo(RejectionReason.DELETED_USER);
	}

	@Test
	void givesNotFiniteBeforeClockSkew() {
		Reading broken = new Reading(42, Metric.STEPS, RECORDED, Double.NaN, "phone", RECORDED.minusSeconds(172_800));
		assertThat(this.validator.rejectionReason(broken)).isEqualTo(RejectionReason.NOT_FINITE);
	}

	@Test
	void givesOutOfRangeBeforeClockSkew() {
		Reading broken = new Reading(42, Metric.STEPS, RECORDED, 60_000, "phone", RECORDED.minusSeconds(172_800));
		assertThat(this.validator.rejectionReason(broken)).isEqualTo(RejectionReason.OUT_OF_RANGE);
	}

	private static Reading reading(Metric metric, double value) {
		return new Reading(42, metric, RECORDED, value, "phone", RECORDED);
	}

	private static Reading ingestedAt(Instant ingestedAt) {
		return new Reading(42, Metric.STEPS, RECORDED, 100, "phone", ingestedAt);
	}

}
