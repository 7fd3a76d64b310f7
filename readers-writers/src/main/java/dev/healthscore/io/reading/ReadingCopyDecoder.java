package dev.healthscore.io.reading;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

import dev.healthscore.io.jdbc.PgBinaryCopyReader;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;

/**
 * Decodes rows {@code (user_id, metric, recorded_at, value, source, ingested_at)} of a
 * binary {@code COPY} into readings, sharing metric and source strings. A {@code NULL}
 * value gives a reading {@linkplain Reading#valueNull() without a value}, which scoring
 * rejects for that reason rather than as a stored {@code NaN}. Not thread-safe: it learns
 * the sources it meets; use one per reading thread.
 */
public final class ReadingCopyDecoder {

	private final Metric[] metrics;

	private final byte[][] metricBytes;

	private String[] sources = new String[0];

	private byte[][] sourceBytes = new byte[0][];

	/**
	 * Creates a decoder of readings of these metrics; any other metric fails the read.
	 */
	public ReadingCopyDecoder(Metric[] metrics) {
		this.metrics = metrics;
		this.metricBytes = new byte[metrics.length][];
		for (int i = 0; i < metrics.length; i++) {
			this.metricBytes[i] = metrics[i].columnValue().getBytes(StandardCharsets.UTF_8);
		}
	}

	/** Decodes the rest of the current row, whose user id was read. */
	public Reading reading(PgBinaryCopyReader copy, long userId) throws IOException {
		int metric = copy.text(this.metricBytes);
		if (metric < 0) {
			throw new IOException("Unexpected metric read: " + copy.lastText());
		}
		Instant recorded = instant(copy.timestampMicros());
		boolean valueNull = copy.nextIsNull();
		double value = valueNull ? Double.NaN : copy.float8();
		int source = copy.text(this.sourceBytes);
		if (source < 0) {
			source = addSource(copy.lastText());
		}
		Instant ingested = instant(copy.timestampMicros());
		return new Reading(userId, this.metrics[metric], recorded, value, this.sources[source], ingested, valueNull);
	}

	private int addSource(String source) {
		this.sources = Arrays.copyOf(this.sources, this.sources.length + 1);
		this.sourceBytes = Arrays.copyOf(this.sourceBytes, this.sourceBytes.length + 1);
		this.sources[this.sources.length - 1] = source;
		this.sourceBytes[this.sourceBytes.length - 1] = source.getBytes(StandardCharsets.UTF_8);
		return this.sources.length - 1;
	}

	private static Instant instant(long epochMicros) {
		return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
				Math.floorMod(epochMicros, 1_000_000L) * 1_000L);
	}

}
