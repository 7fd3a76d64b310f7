package dev.healthscore.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The benchmarks' options: values, defaults, and a message naming the option for a bad
 * one.
 */
class BenchOptionsTests {

	private static final String[] ARGS = { "--rows=2_000_000", "--source=replica", "--repeat=0", "--days=ten" };

	@Test
	void readsNumbersWithUnderscoresAndFallsBackWhenAbsent() {
		assertThat(BenchOptions.option(ARGS, "rows", 10, 1, 10_000_000)).isEqualTo(2_000_000);
		assertThat(BenchOptions.option(ARGS, "readings", 10_000_000)).isEqualTo(10_000_000);
		assertThat(BenchOptions.choice(ARGS, "source", "primary", "replica")).isEqualTo("replica");
		assertThat(BenchOptions.choice(ARGS, "layout", "generated", "arrival")).isEqualTo("generated");
	}

	@Test
	void saysWhichOptionIsBadAndWhatItMustBe() {
		assertThatExceptionOfType(BenchOptions.BadOption.class)
			.isThrownBy(() -> BenchOptions.option(ARGS, "repeat", 1, 1, 100))
			.withMessage("--repeat must be 1 to 100, was 0");
		assertThatExceptionOfType(BenchOptions.BadOption.class).isThrownBy(() -> BenchOptions.option(ARGS, "days", 90))
			.withMessage("--days must be a whole number, was ten");
		assertThatExceptionOfType(BenchOptions.BadOption.class)
			.isThrownBy(() -> BenchOptions.choice(ARGS, "source", "primary", "standby"))
			.withMessage("--source must be primary or standby, was replica");
	}

}
