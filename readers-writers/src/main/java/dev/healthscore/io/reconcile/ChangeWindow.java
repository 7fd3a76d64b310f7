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
 * @param unscoredDays days that no reconcile covered and that have no score row at all
 * (recompute never ran for them, or every row was deleted), whose every reading counts,
 * however old; empty when {@code changesAfter} is null, which counts every reading anyway
 */
public record ChangeWindow(Instant changesAfter, String basis, List<LocalDate> unscoredDays) {

	public ChangeWindow {
		unscoredDays = List.copyOf(unscoredDays);
	}

}
