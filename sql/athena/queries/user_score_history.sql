-- One user's score history (user 42 here). The month predicate prunes partitions; the files
-- are sorted by user_id, so the user_id predicate skips most row groups.
SELECT score_date,
	score,
	activity_score,
	sleep_score,
	heart_score,
	completeness,
	algorithm_version
FROM health_score
WHERE user_id = 42
	AND month BETWEEN '2024-01' AND '2025-12'
ORDER BY score_date
