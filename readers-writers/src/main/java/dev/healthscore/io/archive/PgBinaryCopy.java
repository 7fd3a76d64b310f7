package dev.healthscore.io.archive;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import dev.healthscore.io.jdbc.CopyInput;
import dev.healthscore.io.jdbc.PgBinaryFormat;

/**
 * Reads and writes rows of an {@link ArchiveTable} in PostgreSQL's binary COPY format:
 * exact bits for doubles (NaN, -0.0), microseconds for timestamps, and no text parsing
 * either way.
 */
final class PgBinaryCopy {

	private static final byte[] SIGNATURE = PgBinaryFormat.signature();

	private static final int BUFFER_SIZE = 64 * 1024;

	/**
	 * The last PostgreSQL timestamp (microseconds since 2000) whose microseconds since
	 * 1970 fit in a {@code long}.
	 */
	static final long LAST_MICROS_SINCE_2000 = Long.MAX_VALUE - PgBinaryFormat.EPOCH_MICROS;

	/** {@link #LAST_MICROS_SINCE_2000} as an instant, for messages. */
	private static final Instant LAST_INSTANT = Instant.EPOCH.plus(Long.MAX_VALUE, ChronoUnit.MICROS);

	private static final int CACHED_TEXTS = 8;

	/** Longer text values are decoded every time. */
	private static final int MAX_CACHED_TEXT_BYTES = 64;

	private PgBinaryCopy() {
	}

	/** Reads rows from the output of {@code COPY ... TO STDOUT (FORMAT binary)}. */
	static final class Reader {

		private final CopyInput in;

		private final List<ArchiveColumn> columns;

		private boolean headerRead;

		private final byte[] scratch = new byte[MAX_CACHED_TEXT_BYTES];

		/** Per column, its cache of recent texts; null for columns of other types. */
		private final TextCache[] texts;

		Reader(InputStream in, ArchiveTable table) {
			this.in = new CopyInput(in);
			this.columns = table.columns();
			this.texts = new TextCache[this.columns.size()];
			for (int i = 0; i < this.texts.length; i++) {
				if (this.columns.get(i).type() == ArchiveColumn.Type.TEXT) {
					this.texts[i] = new TextCache();
				}
			}
		}

		/**
		 * Returns the next row, or null after the last one.
		 */
		Object[] next() throws IOException {
			if (!this.headerRead) {
				this.in.readHeader();
				this.headerRead = true;
			}
			short fields = this.in.readShort();
			if (fields == -1) {
				return null;
			}
			if (fields != this.columns.size()) {
				throw new IOException(
						"Invalid COPY row, expected " + this.columns.size() + " fields but got " + fields);
			}
			Object[] row = new Object[fields];
			for (int i = 0; i < fields; i++) {
				int length = this.in.readInt();
				row[i] = (length == -1) ? null : readValue(i, length);
			}
			return row;
		}

		/**
		 * Reads what is left of the {@code COPY}, so that the connection is free again.
		 * @see CopyInput#finish()
		 */
		void finish() throws IOException {
			this.in.finish();
		}

		/**
		 * Reads a text value. Archive text columns repeat a few values (metric, source):
		 * the strings of the last {@value #CACHED_TEXTS} distinct values of each column
		 * are reused instead of decoded again.
		 */
		private String readText(TextCache cache, int length) throws IOException {
			if (length > this.scratch.length) {
				byte[] bytes = new byte[length];
				this.in.readFully(bytes, 0, length);
				return new String(bytes, StandardCharsets.UTF_8);
			}
			this.in.readFully(this.scratch, 0, length);
			return cache.get(this.scratch, length);
		}

		private Object readValue(int index, int length) throws IOException {
			ArchiveColumn column = this.columns.get(index);
			return switch (column.type()) {
				case BIGINT -> this.in.readLong();
				case SMALLINT -> (int) this.in.readShort();
				case INTEGER -> this.in.readInt();
				case TEXT -> readText(this.texts[index], length);
				case FLOAT8 -> Double.longBitsToDouble(this.in.readLong());
				case FLOAT4 -> Float.intBitsToFloat(this.in.readInt());
				case TIMESTAMPTZ -> {
					long micros = this.in.readLong();
					if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
						throw new IOException("Cannot archive an infinite timestamp in column " + column.name());
					}
					if (micros > LAST_MICROS_SINCE_2000) {
						// PostgreSQL goes on to 294276 AD: the sum would wrap to a time
						// BC
						throw new IOException("Cannot archive timestamp " + micros
								+ " microseconds after 2000-01-01T00:00Z in column " + column.name() + ": it is after "
								+ LAST_INSTANT + ", the last one whose microseconds since 1970 fit in a Parquet INT64");
					}
					yield micros + PgBinaryFormat.EPOCH_MICROS;
				}
				case DATE -> {
					int days = this.in.readInt();
					if (days == Integer.MAX_VALUE || days == Integer.MIN_VALUE) {
						throw new IOException("Cannot archive an infinite date in column " + column.name());
					}
					yield days + PgBinaryFormat.EPOCH_DAYS;
				}
			};
		}

	}

	/**
	 * The last few distinct values of one text column, by their UTF-8 bytes, found by a
	 * hash of the bytes first: comparing the bytes with every cached value in turn was a
	 * sixth of the reader thread's samples in the archive benchmark.
	 */
	private static final class TextCache {

		private final int[] hashes = new int[CACHED_TEXTS];

		private final byte[][] keys = new byte[CACHED_TEXTS][];

		private final String[] values = new String[CACHED_TEXTS];

		private int next;

		String get(byte[] bytes, int length) {
			int hash = 1;
			for (int i = 0; i < length; i++) {
				hash = 31 * hash + bytes[i];
			}
			for (int i = 0; i < CACHED_TEXTS; i++) {
				byte[] key = this.keys[i];
				if (this.hashes[i] == hash && key != null && Arrays.equals(key, 0, key.length, bytes, 0, length)) {
					return this.values[i];
				}
			}
			byte[] key = Arrays.copyOf(bytes, length);
			String value = new String(key, StandardCharsets.UTF_8);
			this.hashes[this.next] = hash;
			this.keys[this.next] = key;
			this.values[this.next] = value;
			this.next = (this.next + 1) % CACHED_TEXTS;
			return value;
		}

	}

	/** Writes rows as the input of {@code COPY ... FROM STDIN (FORMAT binary)}. */
	static final class Writer {

		private final DataOutputStream out;

		private final List<ArchiveColumn> columns;

		private boolean headerWritten;

		Writer(OutputStream out, ArchiveTable table) {
			this.out = new DataOutputStream(new BufferedOutputStream(out, BUFFER_SIZE));
			this.columns = table.columns();
		}

		void write(Object[] row) throws IOException {
			writeHeaderOnce();
			this.out.writeShort(this.columns.size());
			for (int i = 0; i < this.columns.size(); i++) {
				if (row[i] == null) {
					this.out.writeInt(-1);
				}
				else {
					writeValue(this.columns.get(i).type(), row[i]);
				}
			}
		}

		/**
		 * Writes the trailer and flushes; the caller then ends the COPY.
		 */
		void finish() throws IOException {
			writeHeaderOnce();
			this.out.writeShort(-1);
			this.out.flush();
		}

		private void writeHeaderOnce() throws IOException {
			if (!this.headerWritten) {
				this.out.write(SIGNATURE);
				this.out.writeInt(0); // flags
				this.out.writeInt(0); // header extension length
				this.headerWritten = true;
			}
		}

		private void writeValue(ArchiveColumn.Type type, Object value) throws IOException {
			switch (type) {
				case BIGINT -> writeLong((Long) value);
				case SMALLINT -> {
					this.out.writeInt(2);
					this.out.writeShort((Integer) value);
				}
				case INTEGER -> writeInt((Integer) value);
				case TEXT -> {
					byte[] bytes = ((String) value).getBytes(StandardCharsets.UTF_8);
					this.out.writeInt(bytes.length);
					this.out.write(bytes);
				}
				case FLOAT8 -> writeLong(Double.doubleToRawLongBits((Double) value));
				case FLOAT4 -> writeInt(Float.floatToRawIntBits((Float) value));
				case TIMESTAMPTZ -> writeLong((Long) value - PgBinaryFormat.EPOCH_MICROS);
				case DATE -> writeInt((Integer) value - PgBinaryFormat.EPOCH_DAYS);
			}
		}

		private void writeLong(long value) throws IOException {
			this.out.writeInt(8);
			this.out.writeLong(value);
		}

		private void writeInt(int value) throws IOException {
			this.out.writeInt(4);
			this.out.writeInt(value);
		}

	}

}
