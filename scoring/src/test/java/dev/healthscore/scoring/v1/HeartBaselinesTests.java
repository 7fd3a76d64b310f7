package dev.healthscore.scoring.v1;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class HeartBaselinesTests {

	private static final double ABSENT = Double.NaN;

	@Test
	void hasNoBaselineWithSixPresentDays() {
		double[] rhr = days(29);
		fill(rhr, 22, 61, 62, 63, 64, 65, 66);
		assertThat(HeartBaselines.compute(rhr, 28)[28]).isNaN();
	}

	@Test
	void takesTheMedianOfSevenPresentDays() {
		double[] rhr = days(29);
		fill(rhr, 21, 66, 60, 65, 61, 64, 62, 63);
		assertThat(HeartBaselines.compute(rhr, 28)[28]).isEqualTo(63.0);
	}

	@Test
	void takesTheMeanOfTheTwoMiddleValuesOfAnEvenCount() {
		double[] rhr = days(29);
		fill(rhr, 20, 60, 61, 62, 63, 64, 65, 66, 67);
		// (63 + 64) / 2.0
		assertThat(HeartBaselines.compute(rhr, 28)[28]).isEqualTo(63.5);
	}

	@Test
	void looksAtTheTwentyEightDaysBeforeTheDayAndNotTheDayItself() {
		double[] rhr = days(30);
		// days 0..6 are D-28..D-22 of day 28; day 28 itself is far off and must not count
		fill(rhr, 0, 60, 60, 60, 60, 60, 60, 60);
		rhr[28] = 200;
		double[] baselines = HeartBaselines.compute(rhr, 28);
		assertThat(baselines[28]).isEqualTo(60.0);
		// day 29 looks at days 1..28: six 60s and the 200 -> median 60
		assertThat(baselines[29]).isEqualTo(60.0);
	}

	@Test
	void dropsADayOnceItIsTwentyNineDaysBack() {
		double[] rhr = days(30);
		fill(rhr, 0, 60, 60, 60, 60, 60, 60, 60);
		double[] baselines = HeartBaselines.compute(rhr, 28);
		assertThat(baselines[28]).isEqualTo(60.0);
		assertThat(baselines[29]).isNaN();
	}

	@Test
	void leavesDaysBeforeTheFirstDayWithoutBaseline() {
		double[] rhr = days(40);
		Arrays.fill(rhr, 60);
		double[] baselines = HeartBaselines.compute(rhr, 30);
		assertThat(Arrays.copyOf(baselines, 30)).containsOnly(ABSENT);
		assertThat(baselines[30]).isEqualTo(60.0);
	}

	@Test
	void slidesOverChangingValues() {
		double[] rhr = days(31);
		for (int day = 0; day < 31; day++) {
			rhr[day] = 50 + day;
		}
		double[] baselines = HeartBaselines.compute(rhr, 28);
		// day 28: 50..77 -> (63 + 64) / 2.0; day 29: 51..78; day 30: 52..79
		assertThat(baselines[28]).isEqualTo(63.5);
		assertThat(baselines[29]).isEqualTo(64.5);
		assertThat(baselines[30]).isEqualTo(65.5);
	}

	@Test
	void failsWhenTheFirstDayHasNoFullWindowBeforeIt() {
		assertThatIllegalArgumentException().isThrownBy(() -> HeartBaselines.compute(days(40), 27))
			.withMessage("Invalid first day 27, it needs 28 days before it");
	}

	private static double[] days(int count) {
		double[] rhr = new double[count];
		Arrays.fill(rhr, ABSENT);
		return rhr;
	}

	private static void fill(double[] rhr, int from, double... values) {
		System.arraycopy(values, 0, rhr, from, values.length);
	}

}
