package dev.healthscore.io.jdbc;

/**
 * PostgreSQL's binary representation, as binary {@code COPY} and the {@code *send}
 * functions write it: the {@code COPY} signature, and the epochs its timestamps and dates
 * count from.
 */
public final class PgBinaryFormat {

	/** Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's timestamp epoch. */
	public static final long EPOCH_MICROS = 946_684_800_000_000L;

	/** Days from 1970-01-01 to 2000-01-01, PostgreSQL's date epoch. */
	public static final int EPOCH_DAYS = 10_957;

	private static final byte[] SIGNATURE = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0 };

	private PgBinaryFormat() {
	}

	/**
	 * Returns the 11 bytes a binary {@code COPY} starts with.
	 * @return a copy of the signature
	 */
	public static byte[] signature() {
		return SIGNATURE.clone();
	}

}
