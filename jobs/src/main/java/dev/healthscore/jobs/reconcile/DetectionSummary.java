package dev.healthscore.jobs.reconcile;

import java.util.Map;

import dev.healthscore.io.reconcile.FullCheck;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the detection step found, kept as JSON in the job's execution context so that the
 * report has it after a restart too.
 *
 * @param asOf the detection's snapshot time: changes stamped before it were looked at
 * @param changesAfter the instant after which changes were looked at, or {@code null} for
 * all
 * @param changesBasis how that instant was found
 * @param suspects how many (user, day) rows are suspect
 * @param suspectsByReason suspect rows by reason; a row with several counts under each
 * @param fullCheck what the checksum comparison did, or {@code null} when incremental
 * @param fullCheckReadFrom where the full check computed its checksums ({@code replica}
 * or {@code primary}), or {@code null} when incremental
 * @param seconds how long detection took
 */
record DetectionSummary(String asOf, String changesAfter, String changesBasis, long suspects,
		Map<String, Long> suspectsByReason, FullCheck.Result fullCheck, String fullCheckReadFrom, double seconds) {

	/** The key in the job's execution context. */
	static final String KEY = "reconcile.detection";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	String toJson() {
		return JSON.writeValueAsString(this);
	}

	static DetectionSummary fromJson(String json) {
		if (json == null) {
			throw new IllegalStateException("Cannot report: no detection summary in the job's execution context");
		}
		return JSON.readValue(json, DetectionSummary.class);
	}

}
