package dev.healthscore.io.jdbc;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The hash of a double is the hash of its eight little-endian bytes. */
class PgHashesTests {

	@Test
	void float8HashesTheLittleEndianBytesOfTheValue() {
		SplittableRandom random = new SplittableRandom(4);
		double[] special = { 1e-300, -1e308, Double.MIN_VALUE, Double.MAX_VALUE, Double.POSITIVE_INFINITY,
				Double.NEGATIVE_INFINITY, 437.25, 0.1 + 0.2, 61.0 };
		for (double value : special) {
			assertThat(PgHashes.float8(value, 0)).as("%s", value).isEqualTo(bytesHash(value, 0));
		}
		for (int i = 0; i < 10_000; i++) {
			double value = Double.longBitsToDouble(random.nextLong());
			long seed = (i % 2 == 0) ? 0 : random.nextLong();
			if (!Double.isNaN(value)) {
				assertThat(PgHashes.float8(value, seed)).as("%s", value).isEqualTo(bytesHash(value, seed));
			}
		}
	}

	@Test
	void float8HashesEveryNaNAsTheCanonicalOneAndZerosAsTheSeed() {
		assertThat(PgHashes.float8(Double.longBitsToDouble(0x7ff8_0000_0000_0001L), 0))
			.isEqualTo(bytesHash(Double.NaN, 0));
		assertThat(PgHashes.float8(0.0, 42)).isEqualTo(42);
		assertThat(PgHashes.float8(-0.0, 42)).isEqualTo(42);
	}

	private static long bytesHash(double value, long seed) {
		long bits = Double.doubleToRawLongBits(value);
		byte[] little = new byte[8];
		for (int i = 0; i < 8; i++) {
			little[i] = (byte) (bits >>> (8 * i));
		}
		return PgHashes.bytes(little, 0, 8, seed);
	}

}
