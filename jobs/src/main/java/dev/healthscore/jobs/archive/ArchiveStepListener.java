package dev.healthscore.jobs.archive;

import java.time.YearMonth;

import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;

/**
 * Told each time the ledger records a new state of a table month, after it is committed.
 * Tests register one that throws to crash a run right after a given state; a benchmark
 * one that times the steps (and the phases of a restore). Without a bean of this type
 * nothing is told.
 */
@FunctionalInterface
public interface ArchiveStepListener {

	/** A listener that does nothing. */
	ArchiveStepListener NONE = (table, month, state) -> {
	};

	/**
	 * Called after a table month reached a state.
	 * @param table the table
	 * @param month the month
	 * @param state the state now in the ledger
	 */
	void reached(ArchiveTable table, YearMonth month, ArchiveState state);

	/**
	 * Called after each phase of a restore, inside its transaction (which may still roll
	 * back).
	 * @param table the table
	 * @param month the month
	 * @param phase the phase
	 * @param nanos how long it took
	 */
	default void restored(ArchiveTable table, YearMonth month, RestorePhase phase, long nanos) {
	}

}
