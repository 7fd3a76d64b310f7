package dev.healthscore.io.replica;

import org.springframework.util.Assert;

/**
 * A position in PostgreSQL's write-ahead log (a {@code pg_lsn}), up to which the primary
 * had inserted WAL or a replica replayed it: WAL only grows, so a replica that replayed a
 * position sees every transaction the primary had committed when it had inserted up to
 * it.
 *
 * @param value the 64-bit position
 */
public record WalPosition(long value) implements Comparable<WalPosition> {

	/**
	 * Reads a position in PostgreSQL's text form, two hexadecimal halves such as
	 * {@code 16/B374D848}.
	 * @throws IllegalArgumentException when {@code text} is not one
	 */
	public static WalPosition parse(String text) {
		Assert.notNull(text, "A WAL position is required");
		int slash = text.indexOf('/');
		Assert.isTrue(slash > 0 && slash < text.length() - 1, () -> "Not a WAL position: " + text);
		try {
			long high = Long.parseLong(text, 0, slash, 16);
			long low = Long.parseLong(text, slash + 1, text.length(), 16);
			Assert.isTrue(high >= 0 && high <= 0xFFFF_FFFFL && low >= 0 && low <= 0xFFFF_FFFFL,
					() -> "Not a WAL position: " + text);
			return new WalPosition((high << 32) | low);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("Not a WAL position: " + text, ex);
		}
	}

	/** Whether this position is {@code other} or later. */
	public boolean isAtLeast(WalPosition other) {
		return compareTo(other) >= 0;
	}

	@Override
	public int compareTo(WalPosition other) {
		return Long.compareUnsigned(this.value, other.value);
	}

	/** PostgreSQL's text form, e.g. {@code 16/B374D848}. */
	@Override
	public String toString() {
		return "%X/%X".formatted(this.value >>> 32, this.value & 0xFFFF_FFFFL);
	}

}
