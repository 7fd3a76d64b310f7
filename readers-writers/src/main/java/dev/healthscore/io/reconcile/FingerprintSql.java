package dev.healthscore.io.reconcile;

import java.util.Locale;
import java.util.stream.Collectors;

import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.ScoringAlgorithm;

/**
 * The SQL of full reconciliation: for the users of a range {@code [:lo, :hi)} and the
 * days {@code :first..:last}, the (user, day) fingerprints the scores should have,
 * computed from the current readings as {@code InputFingerprints} computes them in Java,
 * and the stored ones with whether each row still matches its seal.
 * <p>
 * Validity mirrors the algorithm's reading rules (finite and in range per metric, not
 * recorded more than 24 hours after ingestion, user present and not deleted); the ranges
 * come from {@link Metric}. The named parameters are {@code :lo}, {@code :hi},
 * {@code :first}, {@code :last}, {@code :lookbackFrom} ({@code :first} less the lookback)
 * and {@code :readFrom}/{@code :readTo} (the UTC instants around those local days).
 */
final class FingerprintSql {

	private static final String EXPECTED = """
			SELECT e.user_id, e.day, e.input_count, e.input_hash, true AS sealed FROM (
			  SELECT p.user_id, p.day,
			         (p.n + coalesce(sum(p.lb_n) OVER w, 0))::int AS input_count,
			         healthscore_wrap64(p.h + coalesce(sum(p.lb_h) OVER w, 0)
			             + healthscore_profile_hash(u.daily_step_goal, u.time_zone)) AS input_hash
			  FROM (
			    SELECT v.user_id, v.day, count(*) AS n, sum(v.h) AS h, count(*) FILTER (WHERE v.lookback) AS lb_n,
			           coalesce(sum(v.h) FILTER (WHERE v.lookback), 0) AS lb_h
			    FROM (
			      SELECT r.user_id, (r.recorded_at AT TIME ZONE u.time_zone)::date AS day,
			             r.metric IN (%s) AS lookback,
			             healthscore_reading_hash(r.metric, r.recorded_at, r.source, r.value) AS h
			      FROM health_reading r
			      JOIN app_user u ON u.user_id = r.user_id AND u.deleted_at IS NULL
			      WHERE r.user_id >= :lo AND r.user_id < :hi
			        AND r.recorded_at >= :readFrom AND r.recorded_at < :readTo
			        AND (%s)
			        AND r.recorded_at <= r.ingested_at + interval '24 hours'
			    ) v
			    WHERE v.day BETWEEN :lookbackFrom AND :last
			    GROUP BY v.user_id, v.day
			  ) p
			  JOIN app_user u ON u.user_id = p.user_id
			  WINDOW w AS (PARTITION BY p.user_id ORDER BY p.day
			               RANGE BETWEEN interval '%d days' PRECEDING AND interval '1 day' PRECEDING)
			) e
			WHERE e.day BETWEEN :first AND :last""";

	private static final String STORED = """
			SELECT s.user_id, s.score_date AS day, s.input_count, s.input_hash,
			       s.row_hash IS NOT DISTINCT FROM healthscore_score_row_hash(s.user_id, s.score_date, s.score,
			           s.activity_score, s.sleep_score, s.heart_score, s.completeness, s.algorithm_version,
			           s.input_count, s.input_hash) AS sealed
			FROM health_score s
			WHERE s.user_id >= :lo AND s.user_id < :hi AND s.score_date BETWEEN :first AND :last""";

	/**
	 * Rows per range: {@code :bounds} are the ranges' lower ends, in order, as one
	 * {@code bigint[]} parameter (a parameter each would limit a check to 65,535 ranges).
	 */
	private static final String CHECKSUMS = """
			SELECT width_bucket(x.user_id, CAST(:bounds AS bigint[])) AS bucket, count(*) AS rows,
			       healthscore_wrap64(sum(hash_record_extended(ROW(x.user_id, x.day, x.input_count, x.input_hash,
			           x.sealed), 0))) AS digest
			FROM (%s) x
			GROUP BY 1""";

	private static final String LEAF_SUSPECTS = """
			INSERT INTO reconcile_suspect (job_instance_id, user_id, score_date, reasons)
			SELECT :instance, coalesce(e.user_id, s.user_id), coalesce(e.day, s.day), array_remove(ARRAY[
			         CASE WHEN s.user_id IS NULL THEN 'missing_score' END,
			         CASE WHEN e.user_id IS NULL THEN 'orphan_score' END,
			         CASE WHEN s.user_id IS NOT NULL AND s.input_hash IS NULL THEN 'no_fingerprint' END,
			         CASE WHEN s.input_hash IS NOT NULL AND NOT s.sealed THEN 'tampered' END,
			         CASE WHEN e.user_id IS NOT NULL AND s.input_hash IS NOT NULL
			                   AND (e.input_count, e.input_hash) IS DISTINCT FROM (s.input_count, s.input_hash)
			              THEN 'inputs_changed' END], NULL)
			FROM (%s) e
			FULL JOIN (%s) s ON s.user_id = e.user_id AND s.day = e.day
			WHERE e.user_id IS NULL OR s.user_id IS NULL OR NOT s.sealed
			   OR (e.input_count, e.input_hash) IS DISTINCT FROM (s.input_count, s.input_hash)
			ON CONFLICT (job_instance_id, user_id, score_date) DO UPDATE
			SET reasons = ARRAY(SELECT DISTINCT r FROM unnest(reconcile_suspect.reasons || excluded.reasons) AS r ORDER BY r)""";

	private final String expected;

	FingerprintSql(ScoringAlgorithm algorithm) {
		String lookbacks = algorithm.lookbackMetrics()
			.stream()
			.map((metric) -> quote(metric.columnValue()))
			.collect(Collectors.joining(", "));
		String valid = algorithm.inputMetrics()
			.stream()
			.map((metric) -> "r.metric = %s AND r.value BETWEEN %s AND %s".formatted(quote(metric.columnValue()),
					metric.min(), metric.max()))
			.collect(Collectors.joining(" OR "));
		this.expected = String.format(Locale.ROOT, EXPECTED, lookbacks, valid, algorithm.lookbackDays());
	}

	/**
	 * The fingerprints the range's scores should have: user, day, count, hash, sealed.
	 */
	String expected() {
		return this.expected;
	}

	/** The stored fingerprints of the range: user, day, count, hash, sealed. */
	String stored() {
		return STORED;
	}

	/** Per-range row counts and digests of {@code rows}, by 1-based bucket. */
	String checksums(String rows) {
		return CHECKSUMS.formatted(rows);
	}

	/** Records every differing row of the range as a suspect, with why. */
	String leafSuspects() {
		return LEAF_SUSPECTS.formatted(this.expected, STORED);
	}

	private static String quote(String name) {
		return "'" + name.replace("'", "''") + "'";
	}

}
