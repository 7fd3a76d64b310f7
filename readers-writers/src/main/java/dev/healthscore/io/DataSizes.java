package dev.healthscore.io;

import org.springframework.util.unit.DataSize;

/**
 * Writes a data size in messages as an operator writes it in a setting ({@code 16MB},
 * {@code 1GB}, {@code 1500B}) rather than as {@link DataSize#toString()} does
 * ({@code 16777216B}): in the largest unit that holds it whole, so that the text can be
 * set again as it is.
 */
public final class DataSizes {

	/** Units from the largest, in bytes. */
	private static final long[] BYTES = { 1L << 40, 1L << 30, 1L << 20, 1L << 10, 1 };

	private static final String[] UNITS = { "TB", "GB", "MB", "KB", "B" };

	private DataSizes() {
	}

	/**
	 * Returns a data size as a setting would give it: {@code 16MB} for 16 MiB,
	 * {@code 1536KB}, {@code -1MB}, {@code 0B}.
	 * @param size the size, may be null
	 * @return the text, {@code "null"} for null
	 */
	public static String format(DataSize size) {
		if (size == null) {
			return "null";
		}
		long bytes = size.toBytes();
		if (bytes == 0) {
			return "0B";
		}
		if (bytes < 0) {
			return (bytes == Long.MIN_VALUE) ? size.toString() : "-" + format(DataSize.ofBytes(-bytes));
		}
		for (int i = 0; i < BYTES.length; i++) {
			if (bytes % BYTES[i] == 0) {
				return (bytes / BYTES[i]) + UNITS[i];
			}
		}
		return size.toString(); // not reached: every size is whole bytes
	}

}
