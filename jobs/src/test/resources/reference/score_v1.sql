-- Independent computation of DESIGN.md section 4 (algorithm version 1) in SQL, used by the
-- tests to check the Java scoring path. Parameters: 1 = first day, 2 = last day (dates).
-- All arithmetic in float8, in the order the definition writes it.
WITH valid AS (
	SELECT r.user_id, r.metric, r.source, r.value,
	       (r.recorded_at AT TIME ZONE u.time_zone)::date AS day
	FROM health_reading r
	JOIN app_user u ON u.user_id = r.user_id AND u.deleted_at IS NULL
	WHERE r.metric IN ('steps', 'active_minutes', 'sleep_minutes', 'resting_heart_rate')
	  AND r.value IS NOT NULL
	  AND r.value NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
	  AND r.value >= CASE r.metric WHEN 'resting_heart_rate' THEN 25 ELSE 0 END
	  AND r.value <= CASE r.metric WHEN 'steps' THEN 50000 WHEN 'resting_heart_rate' THEN 250 ELSE 1440 END
	  AND r.recorded_at <= r.ingested_at + interval '1 day'
),
per_source AS (
	SELECT user_id, day, metric, source, sum(value) AS total
	FROM valid WHERE metric <> 'resting_heart_rate'
	GROUP BY user_id, day, metric, source
),
totals AS (
	SELECT user_id, day,
	       max(total) FILTER (WHERE metric = 'steps') AS steps,
	       max(total) FILTER (WHERE metric = 'active_minutes') AS active,
	       max(total) FILTER (WHERE metric = 'sleep_minutes') AS sleep
	FROM per_source GROUP BY user_id, day
),
rhr AS (
	SELECT user_id, day, min(value) AS rhr
	FROM valid WHERE metric = 'resting_heart_rate' GROUP BY user_id, day
),
windows AS (
	SELECT user_id, day, array_agg(rhr) OVER (PARTITION BY user_id ORDER BY day
	           RANGE BETWEEN interval '28 days' PRECEDING AND interval '1 day' PRECEDING) AS window_values
	FROM rhr
),
baseline AS (
	SELECT w.user_id, w.day, b.n,
	       CASE WHEN b.n % 2 = 1 THEN b.vals[(b.n + 1) / 2]
	            ELSE (b.vals[b.n / 2] + b.vals[b.n / 2 + 1]) / 2.0::float8 END AS baseline
	FROM windows w
	CROSS JOIN LATERAL (
		SELECT count(*)::int AS n, array_agg(v ORDER BY v) AS vals FROM unnest(w.window_values) AS v
	) b
),
inputs AS (
	SELECT k.user_id, k.day, u.daily_step_goal::float8 AS goal, t.steps, t.active, t.sleep, h.rhr,
	       CASE WHEN b.n >= 7 THEN b.baseline END AS baseline
	FROM (SELECT DISTINCT user_id, day FROM valid) k
	JOIN app_user u ON u.user_id = k.user_id
	LEFT JOIN totals t ON t.user_id = k.user_id AND t.day = k.day
	LEFT JOIN rhr h ON h.user_id = k.user_id AND h.day = k.day
	LEFT JOIN baseline b ON b.user_id = k.user_id AND b.day = k.day
	WHERE k.day BETWEEN ? AND ?
),
components AS (
	SELECT user_id, day,
	       CASE WHEN steps IS NOT NULL AND active IS NOT NULL
	                 THEN floor(100.0::float8 * (0.6::float8 * least(1.0::float8, steps / goal)
	                      + 0.4::float8 * least(1.0::float8, active / 30.0::float8)) + 0.5::float8)
	            WHEN steps IS NOT NULL THEN floor(100.0::float8 * least(1.0::float8, steps / goal) + 0.5::float8)
	            WHEN active IS NOT NULL THEN floor(100.0::float8 * least(1.0::float8, active / 30.0::float8) + 0.5::float8)
	       END AS activity,
	       CASE WHEN sleep IS NULL THEN NULL
	            WHEN sleep / 60.0::float8 BETWEEN 7.0 AND 9.0 THEN 100
	            WHEN sleep / 60.0::float8 < 7.0
	                 THEN greatest(0, floor(100.0::float8 - 25.0::float8 * (7.0::float8 - sleep / 60.0::float8) + 0.5::float8))
	            ELSE greatest(0, floor(100.0::float8 - 20.0::float8 * (sleep / 60.0::float8 - 9.0::float8) + 0.5::float8))
	       END AS sleep_c,
	       CASE WHEN rhr IS NULL THEN NULL
	            WHEN baseline IS NOT NULL
	                 THEN least(100, greatest(0, floor(100.0::float8 - 10.0::float8 * (rhr - baseline) + 0.5::float8)))
	            ELSE least(100, greatest(0, floor(100.0::float8 - 2.0::float8 * (rhr - 60.0::float8) + 0.5::float8)))
	       END AS heart
	FROM inputs
),
weighted AS (
	SELECT user_id, day, activity, sleep_c, heart,
	       (CASE WHEN activity IS NOT NULL THEN 0.40::float8 ELSE 0 END)
	         + (CASE WHEN sleep_c IS NOT NULL THEN 0.35::float8 ELSE 0 END)
	         + (CASE WHEN heart IS NOT NULL THEN 0.25::float8 ELSE 0 END) AS completeness,
	       (CASE WHEN activity IS NOT NULL THEN 0.40::float8 * activity ELSE 0 END)
	         + (CASE WHEN sleep_c IS NOT NULL THEN 0.35::float8 * sleep_c ELSE 0 END)
	         + (CASE WHEN heart IS NOT NULL THEN 0.25::float8 * heart ELSE 0 END) AS weighted
	FROM components
)
SELECT user_id, day AS score_date,
       CASE WHEN completeness >= 0.5 THEN floor(weighted / completeness + 0.5::float8) END::int AS score,
       activity::int AS activity_score, sleep_c::int AS sleep_score, heart::int AS heart_score,
       completeness::real AS completeness
FROM weighted
