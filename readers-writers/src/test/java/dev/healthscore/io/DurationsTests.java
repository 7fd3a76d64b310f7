package dev.healthscore.io;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Durations}: a duration reads as a setting is written, in the largest
 * unit that holds it whole.
 */
class DurationsTests {

	@Test
	void aDurationIsWrittenInTheLargestUnitThatHoldsItWhole() {
		assertThat(Durations.format(Duration.ofHours(168))).isEqualTo("7d");
		assertThat(Duration.ofHours(168)).hasToString("PT168H");
		assertThat(Durations.format(Duration.ofDays(60))).isEqualTo("60d");
		assertThat(Durations.format(Duration.ofHours(36))).isEqualTo("36h");
		assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("90m");
		assertThat(Durations.format(Duration.ofMinutes(10))).isEqualTo("10m");
		assertThat(Durations.format(Duration.ofSeconds(30))).isEqualTo("30s");
		assertThat(Durations.format(Duration.ofSeconds(86_401))).isEqualTo("86401s");
		assertThat(Durations.format(Duration.ofMillis(1_500))).isEqualTo("1500ms");
		assertThat(Durations.format(Duration.ofMillis(5))).isEqualTo("5ms");
		assertThat(Durations.format(Duration.of(250, ChronoUnit.MICROS))).isEqualTo("250us");
		assertThat(Durations.format(Duration.ofSeconds(2, 1))).isEqualTo("2000000001ns");
	}

	@Test
	void zeroNegativeAndNullReadAsTheyAre() {
		assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
		assertThat(Durations.format(Duration.ofSeconds(-1))).isEqualTo("-1s");
		assertThat(Durations.format(Duration.ofMillis(-5))).isEqualTo("-5ms");
		assertThat(Durations.format(Duration.ofDays(-7))).isEqualTo("-7d");
		assertThat(Durations.format(null)).isEqualTo("null");
	}

	@Test
	void whatNoUnitHoldsWholeInALongReadsAsIso() {
		Duration longest = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
		assertThat(Durations.format(longest)).isEqualTo(longest.toString());
		Duration shortest = Duration.ofSeconds(Long.MIN_VALUE);
		assertThat(Durations.format(shortest)).isEqualTo(shortest.toString());
		assertThat(Durations.format(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE + "s");
	}

}
