package dev.healthscore.scoring.v1;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class SlidingMedianTests {

	private final SlidingMedian median = new SlidingMedian(5);

	@Test
	void takesTheMiddleValueOfAnOddCount() {
		add(64, 60, 62);
		assertThat(this.median.median()).isEqualTo(62.0);
	}

	@Test
	void takesTheMeanOfTheTwoMiddleValuesOfAnEvenCount() {
		add(67, 60, 64, 61);
		// sorted 60, 61, 64, 67: (61 + 64) / 2.0
		assertThat(this.median.median()).isEqualTo(62.5);
	}

	@Test
	void keepsDuplicatesAndRemovesOneOccurrenceAtATime() {
		add(60, 60, 70);
		this.median.remove(60);
		assertThat(this.median.size()).isEqualTo(2);
		// 60, 70
		assertThat(this.median.median()).isEqualTo(65.0);
		this.median.remove(70);
		assertThat(this.median.median()).isEqualTo(60.0);
	}

	@Test
	void followsValuesAddedAndRemovedInAnyOrder() {
		add(55, 80, 70, 65, 90);
		this.median.remove(55);
		this.median.remove(90);
		this.median.add(50);
		// 50, 65, 70, 80
		assertThat(this.median.median()).isEqualTo(67.5);
	}

	@Test
	void failsToRemoveAValueItDoesNotHold() {
		add(60);
		assertThatIllegalStateException().isThrownBy(() -> this.median.remove(61.0))
			.withMessage("Cannot remove 61.0, it is not held");
	}

	@Test
	void failsToAddBeyondItsCapacity() {
		add(1, 2, 3, 4, 5);
		assertThatIllegalStateException().isThrownBy(() -> this.median.add(6.0))
			.withMessage("Cannot add 6.0, already holding 5 values");
	}

	@Test
	void failsToTakeTheMedianOfNoValues() {
		assertThatIllegalStateException().isThrownBy(this.median::median)
			.withMessage("Cannot take the median of no values");
	}

	private void add(double... values) {
		for (double value : values) {
			this.median.add(value);
		}
	}

}
