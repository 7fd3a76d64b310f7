package dev.healthscore.io.archive;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Computes a {@link ContentChecksum} in Java, row by row, exactly as {@link ChecksumSql}
 * does in PostgreSQL.
 *
 * <p>
 * Each row becomes a canonical text, its fields joined by {@code |}: NULL as {@code N};
 * integers in decimal; text as its UTF-8 byte length, {@code :}, and the text; doubles
 * and reals as the big-endian hex of their IEEE bits (16 and 8 digits; NaN payloads and
 * -0.0 included, which binary COPY and Parquet both keep); timestamps as microseconds
 * since 1970-01-01T00:00Z and dates as days since 1970-01-01, in decimal. The row's hash
 * is the first 8 bytes of the MD5 of that text's UTF-8 bytes, read as a signed big-endian
 * 64-bit integer; the checksum is the sum of the hashes, wrapped.
 */
public final class RowChecksum {

	private final List<ArchiveColumn> columns;

	private final MessageDigest md5;

	private final StringBuilder text = new StringBuilder(128);

	private long rows;

	private long sum;

	/**
	 * Creates an empty checksum for rows of a table.
	 * @param table the table
	 */
	public RowChecksum(ArchiveTable table) {
		this.columns = table.columns();
		try {
			this.md5 = MessageDigest.getInstance("MD5");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Cannot find MD5 in this JVM", ex);
		}
	}

	/**
	 * Adds a row.
	 * @param row the row's values in column order
	 */
	public void add(Object[] row) {
		this.text.setLength(0);
		appendCanonicalText(this.text, this.columns, row);
		byte[] digest = this.md5.digest(this.text.toString().getBytes(StandardCharsets.UTF_8));
		this.sum += ByteBuffer.wrap(digest, 0, 8).getLong();
		this.rows++;
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
		StringBuilder text = new StringBuilder();
		appendCanonicalText(text, table.columns(), row);
		return text.toString();
	}

	private static void appendCanonicalText(StringBuilder text, List<ArchiveColumn> columns, Object[] row) {
		for (int i = 0; i < columns.size(); i++) {
			if (i > 0) {
				text.append('|');
			}
			appendField(text, columns.get(i).type(), row[i]);
		}
	}

	private static void appendField(StringBuilder text, ArchiveColumn.Type type, Object value) {
		if (value == null) {
			text.append('N');
			return;
		}
		switch (type) {
			case BIGINT, SMALLINT, INTEGER, TIMESTAMPTZ, DATE -> text.append(value);
			case TEXT -> {
				String string = (String) value;
				text.append(string.getBytes(StandardCharsets.UTF_8).length).append(':').append(string);
			}
			case FLOAT8 -> text.append(hex(Double.doubleToRawLongBits((Double) value), 16));
			case FLOAT4 -> text.append(hex(Float.floatToRawIntBits((Float) value) & 0xffffffffL, 8));
		}
	}

	private static String hex(long bits, int digits) {
		String hex = Long.toHexString(bits);
		return "0".repeat(digits - hex.length()) + hex;
	}

}
