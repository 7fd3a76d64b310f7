-- One user's readings of one month, per metric: how many, the first one (recorded_at reads at
-- millisecond precision) and the exact last one (recorded_at_micros keeps the microseconds).
SELECT metric,
	count(*) AS readings,
	min(recorded_at) AS first_reading,
	max(recorded_at_micros) AS last_reading_micros
FROM health_reading
WHERE user_id = 42
	AND month = '2025-01'
GROUP BY metric
ORDER BY metric
