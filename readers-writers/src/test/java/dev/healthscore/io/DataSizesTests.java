package dev.healthscore.io;

import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

class DataSizesTests {

	@Test
	void aSizeIsWrittenInTheLargestUnitThatHoldsItWhole() {
		assertThat(DataSizes.format(DataSize.ofMegabytes(16))).isEqualTo("16MB");
		assertThat(DataSizes.format(DataSize.ofKilobytes(1536))).isEqualTo("1536KB");
		assertThat(DataSizes.format(DataSize.ofGigabytes(3))).isEqualTo("3GB");
		assertThat(DataSizes.format(DataSize.ofTerabytes(2))).isEqualTo("2TB");
		assertThat(DataSizes.format(DataSize.ofBytes(1500))).isEqualTo("1500B");
		assertThat(DataSizes.format(DataSize.ofBytes(0))).isEqualTo("0B");
		assertThat(DataSizes.format(DataSize.ofMegabytes(-1))).isEqualTo("-1MB");
		assertThat(DataSizes.format(DataSize.ofBytes(Long.MIN_VALUE))).isEqualTo(Long.MIN_VALUE + "B");
		assertThat(DataSizes.format(null)).isEqualTo("null");
	}

	@Test
	void theTextParsesBackToTheSameSize() {
		for (long bytes : new long[] { 1, 1023, 1024, 5L << 20, (5L << 20) - 1, Integer.MAX_VALUE, 1L << 31,
				-(3L << 30), Long.MAX_VALUE }) {
			DataSize size = DataSize.ofBytes(bytes);
			assertThat(DataSize.parse(DataSizes.format(size))).as("%d", bytes).isEqualTo(size);
		}
	}

}
