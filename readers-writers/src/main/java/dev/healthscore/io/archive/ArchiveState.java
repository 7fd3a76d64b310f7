package dev.healthscore.io.archive;

import java.util.EnumSet;
import java.util.Set;

/**
 * The state of one table month in the archive ledger. The archive job moves a month
 * {@code EXPORTING → EXPORTED → VERIFIED → DETACHED → DROPPED}, one recorded step at a
 * time, and a mismatch sends it back to {@code EXPORTING}; {@code restore} moves a
 * detached or dropped month {@code RESTORING → RESTORED}, both in the transaction that
 * restores it, so that a restore that fails leaves it detached or dropped. A restored
 * month stays in PostgreSQL until a run is asked to archive it again
 * ({@code run archive --rearchive=YYYY-MM}), which moves it back to {@code EXPORTING}.
 */
public enum ArchiveState {

	/** Being written to S3; a rerun exports again over the same keys. */
	EXPORTING,

	/** Written to S3 with its manifest last; not yet read back. */
	EXPORTED,

	/** Read back from S3 and matched the partition in row count and checksum. */
	VERIFIED,

	/** Detached from its parent table and kept for the grace period. */
	DETACHED,

	/** Dropped after a last verification: the month lives only in S3. */
	DROPPED,

	/**
	 * Being re-attached, or loaded back from S3; committed only by earlier versions,
	 * which recorded it before restoring (a new restore goes on from it).
	 */
	RESTORING,

	/**
	 * Back in PostgreSQL, attached and verified against the archive; the archive job
	 * leaves it alone unless asked to archive it again.
	 */
	RESTORED;

	/**
	 * Returns whether the archive job still has work to do for a month in this state.
	 * @return true from {@code EXPORTING} to {@code DETACHED}
	 */
	public boolean archiving() {
		return this == EXPORTING || this == EXPORTED || this == VERIFIED || this == DETACHED;
	}

	/**
	 * Returns whether the ledger may move a month from this state to another.
	 * @param next the state to move to
	 * @return true for the edges of the state machine
	 */
	public boolean canMoveTo(ArchiveState next) {
		return next(this).contains(next);
	}

	private static Set<ArchiveState> next(ArchiveState state) {
		return switch (state) {
			case EXPORTING -> EnumSet.of(EXPORTED);
			case EXPORTED -> EnumSet.of(VERIFIED, EXPORTING);
			case VERIFIED -> EnumSet.of(DETACHED);
			case DETACHED -> EnumSet.of(DROPPED, EXPORTING, RESTORING);
			case DROPPED -> EnumSet.of(RESTORING);
			case RESTORING -> EnumSet.of(RESTORED);
			case RESTORED -> EnumSet.of(EXPORTING);
		};
	}

}
