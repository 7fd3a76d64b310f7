-- Monthly average score by the users' time zone, over scored days only (score is NULL when
-- completeness < 0.5). The time zone is the user's in the app_user snapshot of the latest
-- archive run, not necessarily the one the day was scored in; scores of users no longer in
-- app_user are left out. Scores of every algorithm_version are averaged together: add it to
-- the grouping for a month that was scored again by another version.
SELECT s.month,
	u.time_zone,
	count(*) AS scored_days,
	round(avg(s.score), 2) AS average_score
FROM health_score s
JOIN app_user u ON u.user_id = s.user_id
WHERE s.score IS NOT NULL
GROUP BY s.month, u.time_zone
ORDER BY s.month, u.time_zone
