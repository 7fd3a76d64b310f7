package dev.healthscore.io.archive;

/**
 * The row count and order-independent content checksum of a set of rows: the sum, modulo
 * 2<sup>64</sup>, of a 64-bit hash of each row (see {@link RowChecksum} and
 * {@link ChecksumSql}, which compute it in Java and in PostgreSQL).
 *
 * @param rows the number of rows
 * @param sum the sum of the row hashes, wrapped to 64 bits
 */
public record ContentChecksum(long rows, long sum) {

	/** The checksum of no rows. */
	public static final ContentChecksum EMPTY = new ContentChecksum(0, 0);

	/**
	 * Parses the text of {@link #checksum()}.
	 * @param rows the number of rows
	 * @param checksum 16 hex digits
	 * @return the checksum
	 */
	public static ContentChecksum of(long rows, String checksum) {
		if (checksum == null || checksum.length() != 16) {
			throw new IllegalArgumentException("Invalid checksum, expected 16 hex digits: " + checksum);
		}
		return new ContentChecksum(rows, Long.parseUnsignedLong(checksum, 16));
	}

	/**
	 * Returns the checksum of both sets of rows together.
	 * @param other the other set's checksum
	 * @return the combined checksum
	 */
	public ContentChecksum plus(ContentChecksum other) {
		return new ContentChecksum(this.rows + other.rows, this.sum + other.sum);
	}

	/**
	 * Returns the sum as 16 lowercase hex digits, as stored in manifests and the ledger.
	 * @return the checksum text
	 */
	public String checksum() {
		return String.format("%016x", this.sum);
	}

	@Override
	public String toString() {
		return this.rows + " rows, checksum " + checksum();
	}

}
