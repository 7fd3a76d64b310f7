package dev.healthscore.io.reconcile;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * From when an incremental reconcile of a day range looks for changed inputs.
 *
 * @param changesAfter changes made after this instant are looked at (already moved back
 * by the ingest margin), or {@code null} for all changes ever
 * @param basis how it was found, for the log and the report
 * @param uncoveredDays days that no checkpoint covers (of a reconcile, or of a recompute
 * that scored every user): scored for some users only, or for none, so every user-day of
 * them with input readings and no row counts, however old its readings; empty when
 * {@code changesAfter} is null, which counts every reading anyway
 */
public record ChangeWindow(Instant changesAfter, String basis, List<LocalDate> uncoveredDays) {

	public ChangeWindow {
		uncoveredDays = List.copyOf(uncoveredDays);
	}

}
