package dev.healthscore.io.archive;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.healthscore.io.jdbc.PgBinaryFormat;
import dev.healthscore.io.jdbc.PgHashes;

/**
 * Computes a {@link ContentChecksum} in Java, row by row, exactly as {@link ChecksumSql}
 * does in PostgreSQL.
 *
 * <p>
 * Each row becomes a canonical text, its fields joined by {@code |}: NULL as {@code N};
 * integers in decimal; text as its UTF-8 byte length, {@code :}, and the text; doubles
 * and reals as the big-endian hex of their IEEE bits (16 and 8 digits; NaN payloads and
 * -0.0 included, which binary COPY and Parquet both keep); timestamps as the big-endian
 * hex of their microseconds since 2000-01-01T00:00Z (PostgreSQL's own epoch and binary
 * form, 16 digits) and dates as days since 1970-01-01, in decimal. The row's hash is
 * PostgreSQL's {@code hashtextextended(text, 0)} of that text (Bob Jenkins' 64-bit hash
 * of its UTF-8 bytes, {@link PgHashes#bytes}); the checksum is the sum of the hashes,
 * wrapped.
 */
public final class RowChecksum {

	private static final VarHandle BIG_ENDIAN_LONG = MethodHandles.byteArrayViewVarHandle(long[].class,
			ByteOrder.BIG_ENDIAN);

	/** Room for a field that is not text: a separator and 20 characters. */
	private static final int MAX_FIELD = 21;

	private static final int CACHED_TEXTS = 8;

	/** "00", "01" … "99", two bytes each. */
	private static final byte[] DIGIT_PAIRS = new byte[200];

	/** 10^0 … 10^18. */
	private static final long[] POWERS_OF_TEN = new long[19];

	static {
		for (int i = 0; i < 100; i++) {
			DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
			DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
		}
		POWERS_OF_TEN[0] = 1;
		for (int i = 1; i < POWERS_OF_TEN.length; i++) {
			POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
		}
	}

	private final ArchiveColumn.Type[] types;

	private byte[] text = new byte[256];

	private int length;

	/** Per column, the last few text values by identity, and their encoding. */
	private final String[][] texts;

	private final byte[][][] encodedTexts;

	private final int[] nextText;

	private long rows;

	private long sum;

	/**
	 * Creates an empty checksum for rows of a table.
	 * @param table the table
	 */
	public RowChecksum(ArchiveTable table) {
		this.types = table.columns().stream().map(ArchiveColumn::type).toArray(ArchiveColumn.Type[]::new);
		this.texts = new String[this.types.length][CACHED_TEXTS];
		this.encodedTexts = new byte[this.types.length][CACHED_TEXTS][];
		this.nextText = new int[this.types.length];
	}

	/**
	 * Adds a row.
	 * @param row the row's values in column order
	 */
	public void add(Object[] row) {
		this.sum += hash(row);
		this.rows++;
	}

	/**
	 * Returns a row's hash without adding it: {@code hashtextextended} of its canonical
	 * text.
	 * @param row the row's values in column order
	 * @return the hash
	 */
	public long hash(Object[] row) {
		encode(row);
		return PgHashes.bytes(this.text, 0, this.length, 0);
	}

	/**
	 * Returns the checksum of the rows added so far.
	 * @return the checksum
	 */
	public ContentChecksum result() {
		return new ContentChecksum(this.rows, this.sum);
	}

	/**
	 * Returns a row's canonical text, the input of its hash.
	 * @param table the row's table
	 * @param row the row
	 * @return the canonical text
	 */
	public static String canonicalText(ArchiveTable table, Object[] row) {
		RowChecksum checksum = new RowChecksum(table);
		checksum.encode(row);
		return new String(checksum.text, 0, checksum.length, StandardCharsets.UTF_8);
	}

	/** Writes a row's canonical text, UTF-8, into {@link #text}. */
	private void encode(Object[] row) {
		this.length = 0;
		ensure(this.types.length * MAX_FIELD);
		for (int i = 0; i < this.types.length; i++) {
			if (i > 0) {
				this.text[this.length++] = '|';
			}
			Object value = row[i];
			if (value == null) {
				this.text[this.length++] = 'N';
				continue;
			}
			switch (this.types[i]) {
				case BIGINT, SMALLINT, INTEGER, DATE -> putDecimal(((Number) value).longValue());
				case TIMESTAMPTZ -> putHex16((Long) value - PgBinaryFormat.EPOCH_MICROS);
				case TEXT -> putText(i, (String) value);
				case FLOAT8 -> putHex16(Double.doubleToRawLongBits((Double) value));
				case FLOAT4 -> putHex8(Float.floatToRawIntBits((Float) value));
			}
		}
	}

	private void putText(int column, String value) {
		// archive text columns repeat a few values: their "length:bytes" is kept
		String[] texts = this.texts[column];
		byte[][] encodedTexts = this.encodedTexts[column];
		for (int i = 0; i < CACHED_TEXTS; i++) {
			if (texts[i] == value) {
				putBytes(encodedTexts[i]);
				return;
			}
		}
		byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
		byte[] length = Integer.toString(utf8.length).getBytes(StandardCharsets.US_ASCII);
		byte[] encoded = new byte[length.length + 1 + utf8.length];
		System.arraycopy(length, 0, encoded, 0, length.length);
		encoded[length.length] = ':';
		System.arraycopy(utf8, 0, encoded, length.length + 1, utf8.length);
		int next = this.nextText[column];
		texts[next] = value;
		encodedTexts[next] = encoded;
		this.nextText[column] = (next + 1) % CACHED_TEXTS;
		putBytes(encoded);
	}

	private void putBytes(byte[] bytes) {
		// and room for the fields after it, as encode ensured before
		ensure(bytes.length + this.types.length * MAX_FIELD);
		System.arraycopy(bytes, 0, this.text, this.length, bytes.length);
		this.length += bytes.length;
	}

	private void putDecimal(long value) {
		if (value == Long.MIN_VALUE) {
			putAscii(Long.toString(value));
			return;
		}
		// room for 20 characters was ensured with the row's
		if (value < 0) {
			this.text[this.length++] = '-';
			value = -value;
		}
		int digits = digits(value);
		int at = this.length + digits;
		// two digits per division
		while (value >= 100) {
			int pair = (int) (value % 100) * 2;
			value /= 100;
			this.text[--at] = DIGIT_PAIRS[pair + 1];
			this.text[--at] = DIGIT_PAIRS[pair];
		}
		if (value >= 10) {
			int pair = (int) value * 2;
			this.text[--at] = DIGIT_PAIRS[pair + 1];
			this.text[--at] = DIGIT_PAIRS[pair];
		}
		else {
			this.text[--at] = (byte) ('0' + value);
		}
		this.length += digits;
	}

	/** The number of decimal digits of a value that is not negative. */
	static int digits(long value) {
		if (value < 10) {
			return 1;
		}
		// floor(log10(value)) or one less: log2 × 1233 / 4096
		int guess = ((64 - Long.numberOfLeadingZeros(value)) * 1233) >>> 12;
		return (guess < POWERS_OF_TEN.length && value >= POWERS_OF_TEN[guess]) ? guess + 1 : guess;
	}

	/** 16 hex digits; room for them was ensured. */
	private void putHex16(long bits) {
		BIG_ENDIAN_LONG.set(this.text, this.length, hexDigits(bits >>> 32));
		BIG_ENDIAN_LONG.set(this.text, this.length + 8, hexDigits(bits));
		this.length += 16;
	}

	/** 8 hex digits; room for them was ensured. */
	private void putHex8(int bits) {
		BIG_ENDIAN_LONG.set(this.text, this.length, hexDigits(bits));
		this.length += 8;
	}

	/**
	 * Returns the 8 lowercase hex digits of the low 32 bits of a value as ASCII bytes,
	 * the first digit in the highest byte: each nibble spread to a byte of its own, then
	 * {@code '0'} added, and {@code 'a' - '0' - 10} more where the nibble is 10 or more.
	 */
	static long hexDigits(long value) {
		long x = value & 0xffffffffL;
		x = (x | (x << 16)) & 0x0000ffff0000ffffL;
		x = (x | (x << 8)) & 0x00ff00ff00ff00ffL;
		x = (x | (x << 4)) & 0x0f0f0f0f0f0f0f0fL;
		long letters = ((x + 0x0606060606060606L) >>> 4) & 0x0101010101010101L;
		return x + 0x3030303030303030L + letters * ('a' - '0' - 10);
	}

	private void putAscii(String ascii) {
		ensure(ascii.length());
		for (int i = 0; i < ascii.length(); i++) {
			this.text[this.length++] = (byte) ascii.charAt(i);
		}
	}

	private void ensure(int more) {
		if (this.length + more > this.text.length) {
			this.text = Arrays.copyOf(this.text, Math.max(this.text.length * 2, this.length + more));
		}
	}

}
