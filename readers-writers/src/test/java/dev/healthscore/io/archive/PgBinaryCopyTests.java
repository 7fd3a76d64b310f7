package dev.healthscore.io.archive;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Tests for {@link PgBinaryCopy}.
 */
class PgBinaryCopyTests {

	@Test
	void rowsSurviveWriteAndRead() throws IOException {
		for (ArchiveTable table : List.of(ArchiveTable.HEALTH_READING, ArchiveTable.HEALTH_SCORE)) {
			List<Object[]> rows = (table == ArchiveTable.HEALTH_READING) ? ArchiveRows.trickyReadings()
					: ArchiveRows.trickyScores();
			List<Object[]> read = readAll(table, writeAll(table, rows));
			assertThat(read).hasSameSizeAs(rows);
			for (int i = 0; i < rows.size(); i++) {
				assertThat(RowChecksum.canonicalText(table, read.get(i)))
					.isEqualTo(RowChecksum.canonicalText(table, rows.get(i)));
			}
		}
	}

	@Test
	void valuesSplitAcrossReadsAndRepeatedOrLongTextsDecodeTheSame() throws IOException {
		List<Object[]> rows = new ArrayList<>();
		for (int i = 0; i < 500; i++) {
			String metric = (i % 3 == 0) ? "m" + (i % 11) : "x".repeat(60 + i % 10) + "é";
			rows.add(ArchiveRows.reading(i * 1_000_003L, metric, "2025-01-01T00:00:00.000001Z",
					(i % 7 == 0) ? null : i / 3.0, "source-" + (i % 13)));
		}
		byte[] copy = writeAll(ArchiveTable.HEALTH_READING, rows);
		// at most 3 bytes per read: shorts, ints and longs arrive in pieces
		ByteArrayInputStream trickle = new ByteArrayInputStream(copy) {

			@Override
			public synchronized int read(byte[] bytes, int offset, int length) {
				return super.read(bytes, offset, Math.min(length, 3));
			}

		};
		PgBinaryCopy.Reader reader = new PgBinaryCopy.Reader(trickle, ArchiveTable.HEALTH_READING);
		List<Object[]> read = new ArrayList<>();
		for (Object[] row = reader.next(); row != null; row = reader.next()) {
			read.add(row);
		}
		assertThat(read).hasSameSizeAs(rows);
		for (int i = 0; i < rows.size(); i++) {
			assertThat(RowChecksum.canonicalText(ArchiveTable.HEALTH_READING, read.get(i)))
				.isEqualTo(RowChecksum.canonicalText(ArchiveTable.HEALTH_READING, rows.get(i)));
		}
	}

	@Test
	void aFewRepeatedShortTextsAreDecodedOnce() throws IOException {
		List<Object[]> rows = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			rows.add(ArchiveRows.reading(i, List.of("steps", "sleep_minutes", "resting_heart_rate").get(i % 3),
					"2025-01-01T00:00:00Z", 1.0, (i % 2 == 0) ? "phone" : "watch"));
		}
		List<Object[]> read = readAll(ArchiveTable.HEALTH_READING, writeAll(ArchiveTable.HEALTH_READING, rows));
		for (int i = 6; i < read.size(); i++) {
			// the same String, its hash computed once for the Parquet dictionary
			assertThat(read.get(i)[1]).isSameAs(read.get(i % 6)[1]);
			assertThat(read.get(i)[4]).isSameAs(read.get(i % 6)[4]);
		}
	}

	@Test
	void timestampsAreMicrosSincePostgresEpochOnTheWire() throws IOException {
		byte[] copy = writeAll(ArchiveTable.HEALTH_READING,
				Collections.singletonList(ArchiveRows.reading(1, "m", "2000-01-01T00:00:00.000001Z", 1.0, "s")));
		// header 19 bytes, field count 2, user_id 4+8, metric 4+1, then recorded_at
		// length 4
		long wire = java.nio.ByteBuffer.wrap(copy, 19 + 2 + 12 + 5 + 4, 8).getLong();
		assertThat(wire).isEqualTo(1L);
	}

	@Test
	void aTimestampWhoseMicrosSince1970DoNotFitInALongIsRefusedInsteadOfWrapped() throws IOException {
		// PostgreSQL's last timestamp, 294276-12-31T23:59:59.999999Z, and infinity
		for (long wire : new long[] { 9_223_371_331_199_999_999L, PgBinaryCopy.LAST_MICROS_SINCE_2000 + 1,
				Long.MAX_VALUE }) {
			PgBinaryCopy.Reader reader = new PgBinaryCopy.Reader(new ByteArrayInputStream(withRecordedAt(wire)),
					ArchiveTable.HEALTH_READING);
			assertThatIOException().as("%d", wire)
				.isThrownBy(reader::next)
				.withMessageStartingWith("Cannot archive ")
				.withMessageContaining("timestamp")
				.withMessageContaining("in column recorded_at");
		}
		Object[] last = readAll(ArchiveTable.HEALTH_READING, withRecordedAt(PgBinaryCopy.LAST_MICROS_SINCE_2000))
			.get(0);
		assertThat(last[2]).isEqualTo(Long.MAX_VALUE);
		assertThat(Instant.EPOCH.plus((Long) last[2], ChronoUnit.MICROS))
			.isEqualTo(Instant.parse("+294247-01-10T04:00:54.775807Z"));
	}

	/** A COPY of one reading whose recorded_at is the given microseconds since 2000. */
	private static byte[] withRecordedAt(long microsSince2000) throws IOException {
		byte[] copy = writeAll(ArchiveTable.HEALTH_READING,
				Collections.singletonList(ArchiveRows.reading(1, "m", "2000-01-01T00:00:00Z", 1.0, "s")));
		java.nio.ByteBuffer.wrap(copy, 19 + 2 + 12 + 5 + 4, 8).putLong(microsSince2000);
		return copy;
	}

	@Test
	void badHeaderIsRejected() {
		PgBinaryCopy.Reader reader = new PgBinaryCopy.Reader(new ByteArrayInputStream(new byte[32]),
				ArchiveTable.HEALTH_READING);
		assertThatIOException().isThrownBy(reader::next).withMessageStartingWith("Invalid COPY binary header");
	}

	private static byte[] writeAll(ArchiveTable table, List<Object[]> rows) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		PgBinaryCopy.Writer writer = new PgBinaryCopy.Writer(out, table);
		for (Object[] row : rows) {
			writer.write(row);
		}
		writer.finish();
		return out.toByteArray();
	}

	private static List<Object[]> readAll(ArchiveTable table, byte[] copy) throws IOException {
		PgBinaryCopy.Reader reader = new PgBinaryCopy.Reader(new ByteArrayInputStream(copy), table);
		List<Object[]> rows = new ArrayList<>();
		for (Object[] row = reader.next(); row != null; row = reader.next()) {
			rows.add(row);
		}
		return rows;
	}

}
