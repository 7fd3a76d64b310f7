package dev.healthscore.io.jdbc;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes rows in PostgreSQL's binary {@code COPY} format to a stream: a header, then one
 * tuple per {@link #startRow(int)} with typed fields, then the trailer on
 * {@link #close()}.
 */
public class PgBinaryCopyWriter implements AutoCloseable {

	private static final byte[] SIGNATURE = PgBinaryFormat.signature();

	private final DataOutputStream out;

	private boolean closed;

	public PgBinaryCopyWriter(OutputStream target) throws IOException {
		this.out = new DataOutputStream(new BufferedOutputStream(target, 1 << 16));
		this.out.write(SIGNATURE);
		this.out.writeInt(0);
		this.out.writeInt(0);
	}

	/** Starts a row of {@code fieldCount} fields. */
	public void startRow(int fieldCount) throws IOException {
		this.out.writeShort(fieldCount);
	}

	/** Writes a {@code bigint} field. */
	public void int8(long value) throws IOException {
		this.out.writeInt(8);
		this.out.writeLong(value);
	}

	/** Writes an {@code integer} field. */
	public void int4(int value) throws IOException {
		this.out.writeInt(4);
		this.out.writeInt(value);
	}

	/** Writes a {@code double precision} field. */
	public void float8(double value) throws IOException {
		this.out.writeInt(8);
		this.out.writeLong(Double.doubleToRawLongBits(value));
	}

	/** Writes a {@code text} field. */
	public void text(String value) throws IOException {
		byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
		this.out.writeInt(bytes.length);
		this.out.write(bytes);
	}

	/** Writes a {@code timestamptz} field given as microseconds since the Unix epoch. */
	public void timestampMicros(long epochMicros) throws IOException {
		this.out.writeInt(8);
		this.out.writeLong(epochMicros - PgBinaryFormat.EPOCH_MICROS);
	}

	/** Writes a {@code timestamptz} field. */
	public void timestamp(Instant instant) throws IOException {
		timestampMicros(
				Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000));
	}

	/** Writes a {@code date} field. */
	public void date(LocalDate date) throws IOException {
		this.out.writeInt(4);
		this.out.writeInt((int) (date.toEpochDay() - PgBinaryFormat.EPOCH_DAYS));
	}

	/** Writes a SQL {@code NULL} field. */
	public void nullValue() throws IOException {
		this.out.writeInt(-1);
	}

	/**
	 * Writes the trailer and flushes; the target stream stays open. Safe to call twice.
	 */
	@Override
	public void close() throws IOException {
		if (this.closed) {
			return;
		}
		this.closed = true;
		this.out.writeShort(-1);
		this.out.flush();
	}

}
