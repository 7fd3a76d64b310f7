package dev.healthscore.io.reconcile;

/**
 * The order-independent checksum of the score rows of a user range, one side of a
 * comparison: two sides agree when both numbers do.
 *
 * @param rows the number of (user, day) rows
 * @param digest the sum, modulo 2<sup>64</sup>, of a 64-bit digest of each row
 */
public record RangeChecksum(long rows, long digest) {

	/** The checksum of no rows. */
	public static final RangeChecksum EMPTY = new RangeChecksum(0, 0);

}
