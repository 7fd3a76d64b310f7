package dev.healthscore.jobs.reconcile;

import java.time.LocalDate;
import java.util.Map;

/**
 * The parameters of one reconcile run, read from its job parameters.
 *
 * @param from the first local day to reconcile
 * @param to the last local day to reconcile
 * @param full whether to verify every score by checksums, not only what changed
 * @param dryRun whether to find and report only, writing nothing
 * @param upgradeVersion whether rows of older algorithm versions are inaccurate too
 * @param report where to write the JSON report, or {@code null}
 */
record ReconcileParameters(LocalDate from, LocalDate to, boolean full, boolean dryRun, boolean upgradeVersion,
		String report) {

	static final String FULL = "full";

	static final String DRY_RUN = "dry-run";

	static final String UPGRADE_VERSION = "upgrade-version";

	static final String REPORT = "report";

	/** Reads the parameters of a job execution. */
	static ReconcileParameters of(Map<String, Object> parameters) {
		return new ReconcileParameters(LocalDate.parse((String) parameters.get("from")),
				LocalDate.parse((String) parameters.get("to")), isTrue(parameters.get(FULL)),
				isTrue(parameters.get(DRY_RUN)), isTrue(parameters.get(UPGRADE_VERSION)),
				(String) parameters.get(REPORT));
	}

	private static boolean isTrue(Object value) {
		return "true".equals(value);
	}

	/** {@code full} or {@code incremental}. */
	String mode() {
		return this.full ? "full" : "incremental";
	}

}
