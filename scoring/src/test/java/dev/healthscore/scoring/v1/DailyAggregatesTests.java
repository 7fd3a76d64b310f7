package dev.healthscore.scoring.v1;

import org.junit.jupiter.api.Test;

import dev.healthscore.scoring.Metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DailyAggregatesTests {

	private final DailyAggregates aggregates = new DailyAggregates(3);

	@Test
	void sumsTheValuesOfOneSourceOverTheDay() {
		this.aggregates.add(Metric.STEPS, 1, "phone", 3000);
		this.aggregates.add(Metric.STEPS, 1, "phone", 1500);
		assertThat(this.aggregates.steps(1)).isEqualTo(4500.0);
	}

	@Test
	void takesTheMaximumOverSourcesRatherThanTheSum() {
		this.aggregates.add(Metric.STEPS, 1, "phone", 3000);
		this.aggregates.add(Metric.STEPS, 1, "phone", 1500);
		this.aggregates.add(Metric.STEPS, 1, "watch", 6000);
		assertThat(this.aggregates.steps(1)).isEqualTo(6000.0);
	}

	@Test
	void takesTheMaximumOverSourcesForActiveAndSleepMinutes() {
		this.aggregates.add(Metric.ACTIVE_MINUTES, 0, "watch", 20);
		this.aggregates.add(Metric.ACTIVE_MINUTES, 0, "phone", 12);
		this.aggregates.add(Metric.ACTIVE_MINUTES, 0, "phone", 10);
		this.aggregates.add(Metric.SLEEP_MINUTES, 0, "ring", 400);
		this.aggregates.add(Metric.SLEEP_MINUTES, 0, "watch", 380);
		this.aggregates.add(Metric.SLEEP_MINUTES, 0, "watch", 45);
		assertThat(this.aggregates.activeMinutes(0)).isEqualTo(22.0);
		assertThat(this.aggregates.sleepMinutes(0)).isEqualTo(425.0);
	}

	@Test
	void distinguishesSourcesByValueNotIdentity() {
		this.aggregates.add(Metric.STEPS, 0, new String("phone"), 1000);
		this.aggregates.add(Metric.STEPS, 0, new String("phone"), 1000);
		assertThat(this.aggregates.steps(0)).isEqualTo(2000.0);
	}

	@Test
	void keepsManySources() {
		String[] sources = { "a", "b", "c", "d", "e" };
		for (int i = 0; i < sources.length; i++) {
			this.aggregates.add(Metric.STEPS, 2, sources[i], 100 * (i + 1));
			this.aggregates.add(Metric.STEPS, 2, sources[i], 100 * (i + 1));
		}
		assertThat(this.aggregates.steps(2)).isEqualTo(1000.0);
	}

	@Test
	void keepsTheDaysApart() {
		this.aggregates.add(Metric.STEPS, 0, "phone", 100);
		this.aggregates.add(Metric.STEPS, 2, "phone", 300);
		assertThat(this.aggregates.steps(0)).isEqualTo(100.0);
		assertThat(this.aggregates.steps(1)).isNaN();
		assertThat(this.aggregates.steps(2)).isEqualTo(300.0);
	}

	@Test
	void countsAZeroReadingAsPresent() {
		this.aggregates.add(Metric.SLEEP_MINUTES, 1, "phone", 0);
		assertThat(this.aggregates.sleepMinutes(1)).isZero();
	}

	@Test
	void reportsAbsentMetricsAsNan() {
		assertThat(this.aggregates.steps(0)).isNaN();
		assertThat(this.aggregates.activeMinutes(0)).isNaN();
		assertThat(this.aggregates.sleepMinutes(0)).isNaN();
		assertThat(this.aggregates.restingHeartRates()).containsOnly(Double.NaN);
	}

	@Test
	void takesTheMinimumRestingHeartRateOfAnySource() {
		this.aggregates.add(Metric.RESTING_HEART_RATE, 1, "phone", 64);
		this.aggregates.add(Metric.RESTING_HEART_RATE, 1, "watch", 62);
		this.aggregates.add(Metric.RESTING_HEART_RATE, 1, "phone", 65);
		assertThat(this.aggregates.restingHeartRates()[1]).isEqualTo(62.0);
	}

	@Test
	void refusesMetricsThatAreNotScored() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.aggregates.add(Metric.HEART_RATE, 0, "watch", 80))
			.withMessage("Cannot aggregate metric HEART_RATE");
	}

}
