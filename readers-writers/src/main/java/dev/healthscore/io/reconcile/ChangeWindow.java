package dev.healthscore.io.reconcile;

import java.time.Instant;

/**
 * From when an incremental reconcile of a day range looks for changed inputs.
 *
 * @param changesAfter changes made after this instant are looked at (already moved back
 * by the ingest margin), or {@code null} for all changes ever
 * @param basis how it was found, for the log and the report
 */
public record ChangeWindow(Instant changesAfter, String basis) {

}
