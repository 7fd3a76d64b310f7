/**
 * Reconciliation building blocks: finding the (user, day) scores whose inputs changed,
 * incrementally ({@link dev.healthscore.io.reconcile.ChangedInputs}: late readings and
 * the trigger-fed change log since the last checkpoint) or in full
 * ({@link dev.healthscore.io.reconcile.FullCheck}: fingerprint checksums of user ranges,
 * bisected where they differ), and reading only what rescoring those suspects needs
 * ({@link dev.healthscore.io.reconcile.SuspectReadingsItemReader}).
 */
package dev.healthscore.io.reconcile;
