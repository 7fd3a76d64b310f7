package dev.healthscore.io.jdbc;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads rows in PostgreSQL's binary {@code COPY} format from a stream: call
 * {@link #nextRow()}, then read each field in order with the typed methods. Text fields
 * can be matched against a small dictionary without decoding them.
 */
public class PgBinaryCopyReader implements AutoCloseable {

	private final CopyInput in;

	/** A field length read ahead by {@link #nextIsNull()}, or -1. */
	private int pendingLength = -1;

	private byte[] scratch = new byte[64];

	private int lastLength;

	public PgBinaryCopyReader(InputStream source) throws IOException {
		this.in = new CopyInput(source);
		this.in.readHeader();
	}

	/**
	 * Moves to the next row.
	 * @return the row's field count, or -1 at the end of the data
	 */
	public int nextRow() throws IOException {
		short fields;
		try {
			fields = this.in.readShort();
		}
		catch (EOFException ex) {
			return -1;
		}
		if (fields == -1) {
			this.in.finish(); // the trailer: let pgjdbc see the end, so closing does not
								// cancel
		}
		return fields;
	}

	/**
	 * Whether the next field is NULL; if so it is consumed, otherwise it is left to read.
	 */
	public boolean nextIsNull() throws IOException {
		int length = this.in.readInt();
		if (length == -1) {
			return true;
		}
		this.pendingLength = length;
		return false;
	}

	/** Reads a {@code bigint} field. */
	public long int8() throws IOException {
		expectLength(8);
		return this.in.readLong();
	}

	/** Reads an {@code integer} field. */
	public int int4() throws IOException {
		expectLength(4);
		return this.in.readInt();
	}

	/** Reads a {@code smallint} field. */
	public short int2() throws IOException {
		expectLength(2);
		return this.in.readShort();
	}

	/** Reads a {@code double precision} field. */
	public double float8() throws IOException {
		expectLength(8);
		return Double.longBitsToDouble(this.in.readLong());
	}

	/** Reads a {@code real} field. */
	public float float4() throws IOException {
		expectLength(4);
		return Float.intBitsToFloat(this.in.readInt());
	}

	/** Reads a {@code timestamptz} field as microseconds since the Unix epoch. */
	public long timestampMicros() throws IOException {
		expectLength(8);
		return this.in.readLong() + PgBinaryFormat.EPOCH_MICROS;
	}

	/** Reads a {@code date} field as days since the Unix epoch. */
	public long epochDay() throws IOException {
		expectLength(4);
		return this.in.readInt() + (long) PgBinaryFormat.EPOCH_DAYS;
	}

	/** Reads a {@code text} field. */
	public String text() throws IOException {
		int length = readBytes();
		return new String(this.scratch, 0, length, StandardCharsets.UTF_8);
	}

	/**
	 * Reads a {@code text} field and returns the index of the equal entry of
	 * {@code dictionary} (UTF-8 bytes), or -1 when none is equal; see
	 * {@link #lastText()}.
	 */
	public int text(byte[][] dictionary) throws IOException {
		int length = readBytes();
		for (int i = 0; i < dictionary.length; i++) {
			byte[] candidate = dictionary[i];
			if (candidate.length == length && Arrays.equals(candidate, 0, length, this.scratch, 0, length)) {
				return i;
			}
		}
		return -1;
	}

	/** The last text field read with {@link #text(byte[][])}, decoded. */
	public String lastText() {
		return new String(this.scratch, 0, this.lastLength, StandardCharsets.UTF_8);
	}

	private int readBytes() throws IOException {
		int length = fieldLength();
		if (length < 0) {
			throw new IOException("Unexpected NULL text field");
		}
		if (length > this.scratch.length) {
			this.scratch = new byte[Math.max(length, this.scratch.length * 2)];
		}
		this.in.readFully(this.scratch, 0, length);
		this.lastLength = length;
		return length;
	}

	private void expectLength(int expected) throws IOException {
		int length = fieldLength();
		if (length != expected) {
			throw new IOException(
					String.format(Locale.ROOT, "Unexpected field length %d, expected %d", length, expected));
		}
	}

	private int fieldLength() throws IOException {
		int length = this.pendingLength;
		if (length == -1) {
			return this.in.readInt();
		}
		this.pendingLength = -1;
		return length;
	}

	@Override
	public void close() throws IOException {
		this.in.close();
	}

}
