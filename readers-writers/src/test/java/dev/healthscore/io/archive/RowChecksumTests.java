package dev.healthscore.io.archive;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link RowChecksum} and {@link ContentChecksum}.
 */
class RowChecksumTests {

	@Test
	void canonicalTextWritesMicrosBitsLengthsAndNullMarker() {
		Object[] row = ArchiveRows.reading(2, "steps", "2025-01-20T00:00:00.5Z", null, "Ünïcødé ⌚ 😀");
		assertThat(RowChecksum.canonicalText(ArchiveTable.HEALTH_READING, row))
			.isEqualTo("2|5:steps|0002cf16b5d84120|N|20:Ünïcødé ⌚ 😀|0002d0081be92001");
	}

	@Test
	void canonicalTextWritesDoublesAsIeeeBitsNanPayloadsIncluded() {
		assertThat(valueText(-0.0)).isEqualTo("8000000000000000");
		assertThat(valueText(0.0)).isEqualTo("0000000000000000");
		assertThat(valueText(Double.POSITIVE_INFINITY)).isEqualTo("7ff0000000000000");
		assertThat(valueText(Double.NEGATIVE_INFINITY)).isEqualTo("fff0000000000000");
		assertThat(valueText(4.9e-324)).isEqualTo("0000000000000001");
		assertThat(valueText(Double.NaN)).isEqualTo("7ff8000000000000");
		assertThat(valueText(Double.longBitsToDouble(0xfff8000000000000L))).isEqualTo("fff8000000000000");
	}

	@Test
	void canonicalTextOfScoreWritesDaysFloatBitsAndSmallints() {
		Object[] row = ArchiveRows.score(2, "2025-01-16", 100, -0.0f, "1999-12-31T23:59:59.999999Z");
		assertThat(RowChecksum.canonicalText(ArchiveTable.HEALTH_SCORE, row))
			.isEqualTo("2|20104|100|40|N|77|80000000|1|ffffffffffffffff|0002d01ecc17b580|12|-9223372036854775708|-2");
	}

	@Test
	void canonicalTextWritesEveryLongAsItsDecimalDigits() {
		List<Long> values = new ArrayList<>(List.of(0L, 9L, 10L, 99L, 100L, 999_999_999_999_999_999L,
				1_000_000_000_000_000_000L, Long.MAX_VALUE, -1L, -10L, Long.MIN_VALUE + 1, Long.MIN_VALUE));
		for (long power = 1; power > 0 && power <= Long.MAX_VALUE / 10; power *= 10) {
			values.addAll(List.of(power - 1, power, power + 1, -power));
		}
		java.util.Random random = new java.util.Random(5);
		for (int i = 0; i < 10_000; i++) {
			values.add(random.nextLong() >> random.nextInt(64));
		}
		for (long value : values) {
			assertThat(RowChecksum.canonicalText(ArchiveTable.APP_USER, new Object[] { value, "UTC", 1 }))
				.isEqualTo(value + "|3:UTC|1");
		}
	}

	@Test
	void hexDigitsAreTheLowercaseDigitsOfTheLow32Bits() {
		java.util.Random random = new java.util.Random(6);
		List<Long> values = new ArrayList<>(List.of(0L, 0x9L, 0xaL, 0xfL, 0x10L, 0xffffffffL, 0x89abcdefL,
				0x0123456789abcdefL, -1L, Long.MIN_VALUE));
		for (int i = 0; i < 10_000; i++) {
			values.add(random.nextLong());
		}
		for (long value : values) {
			byte[] digits = java.nio.ByteBuffer.allocate(8).putLong(RowChecksum.hexDigits(value)).array();
			assertThat(new String(digits, java.nio.charset.StandardCharsets.US_ASCII))
				.isEqualTo(String.format("%08x", value & 0xffffffffL));
		}
	}

	@Test
	void canonicalTextKeepsRoomForFieldsAfterLongTexts() {
		String zone = "Z".repeat(1000);
		Object[] row = { Long.MIN_VALUE, zone, Integer.MIN_VALUE };
		assertThat(RowChecksum.canonicalText(ArchiveTable.APP_USER, row))
			.isEqualTo(Long.MIN_VALUE + "|1000:" + zone + "|" + Integer.MIN_VALUE);
		Object[] reading = ArchiveRows.reading(Long.MAX_VALUE, "m".repeat(300), "2025-01-20T00:00:00.5Z", -0.0,
				"s".repeat(5000));
		assertThat(RowChecksum.canonicalText(ArchiveTable.HEALTH_READING, reading))
			.startsWith(Long.MAX_VALUE + "|300:" + "m".repeat(300) + "|0002cf16b5d84120|8000000000000000|5000:")
			.hasSize(19 + 5 + 300 + 17 + 17 + 6 + 5000 + 17);
	}

	@Test
	void checksumIgnoresRowOrderButSeesEveryBit() {
		List<Object[]> rows = new ArrayList<>(ArchiveRows.trickyReadings());
		ContentChecksum forward = checksum(rows);
		Collections.reverse(rows);
		assertThat(checksum(rows)).isEqualTo(forward);
		rows.set(0, ArchiveRows.reading(1, "steps", "2025-01-01T00:00:00.000001Z", 0.0, "phone"));
		assertThat(checksum(rows)).isNotEqualTo(forward);
		assertThat(forward.rows()).isEqualTo(rows.size());
	}

	@Test
	void checksumsOfFilesAddUpToChecksumOfMonth() {
		List<Object[]> rows = ArchiveRows.trickyReadings();
		ContentChecksum first = checksum(rows.subList(0, 4));
		ContentChecksum second = checksum(rows.subList(4, rows.size()));
		assertThat(first.plus(second)).isEqualTo(checksum(rows));
	}

	@Test
	void checksumTextIsSixteenHexDigitsAndParsesBack() {
		ContentChecksum checksum = new ContentChecksum(3, -2L);
		assertThat(checksum.checksum()).isEqualTo("fffffffffffffffe");
		assertThat(ContentChecksum.of(3, "fffffffffffffffe")).isEqualTo(checksum);
		assertThat(new ContentChecksum(1, 255).checksum()).isEqualTo("00000000000000ff");
		assertThatIllegalArgumentException().isThrownBy(() -> ContentChecksum.of(1, "abc"))
			.withMessage("Invalid checksum, expected 16 hex digits: abc");
	}

	private static String valueText(Double value) {
		String text = RowChecksum.canonicalText(ArchiveTable.HEALTH_READING,
				ArchiveRows.reading(1, "m", "2025-01-01T00:00:00Z", value, "s"));
		return text.split("\\|")[3];
	}

	private static ContentChecksum checksum(List<Object[]> rows) {
		RowChecksum checksum = new RowChecksum(ArchiveTable.HEALTH_READING);
		rows.forEach(checksum::add);
		return checksum.result();
	}

}
