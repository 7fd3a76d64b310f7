-- Snapshot of each user's time zone and step goal, replaced by every archive run, so that
-- archived scores can be grouped by time zone. Not partitioned.
-- Replace @archive_root@ with s3://<bucket>/<prefix> before running (see README.md).
CREATE EXTERNAL TABLE IF NOT EXISTS app_user (
	user_id         bigint COMMENT 'app user id',
	time_zone       string COMMENT 'IANA time zone of the local days of the user',
	daily_step_goal int    COMMENT 'steps that make a full activity score'
)
COMMENT 'users at the time of the latest archive run'
STORED AS PARQUET
LOCATION '@archive_root@/app_user/';
