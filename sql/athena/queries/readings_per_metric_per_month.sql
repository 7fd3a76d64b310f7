-- Readings per metric per month: how many, from how many users, how many with a value.
SELECT month,
	metric,
	count(*) AS readings,
	count(DISTINCT user_id) AS users,
	count(value) AS readings_with_value
FROM health_reading
GROUP BY month, metric
ORDER BY month, metric
