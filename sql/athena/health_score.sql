-- Archived daily health scores (DESIGN.md sections 4 and 6). One folder per month of
-- score_date, found by partition projection: no crawler, no MSCK REPAIR TABLE.
-- Replace @archive_root@ with s3://<bucket>/<prefix> before running (see README.md).
CREATE EXTERNAL TABLE IF NOT EXISTS health_score (
	user_id             bigint    COMMENT 'app user id',
	score_date          date      COMMENT 'local day of the user',
	score               int       COMMENT '0..100, NULL when completeness < 0.5',
	activity_score      int       COMMENT '0..100 or NULL',
	sleep_score         int       COMMENT '0..100 or NULL',
	heart_score         int       COMMENT '0..100 or NULL',
	completeness        float     COMMENT 'sum of the weights of the components present',
	algorithm_version   int       COMMENT 'version of the scoring algorithm',
	inputs_as_of        timestamp COMMENT 'inputs complete up to, UTC, truncated to the millisecond',
	inputs_as_of_micros bigint    COMMENT 'inputs complete up to, exact: microseconds since 1970-01-01T00:00Z',
	computed_at         timestamp COMMENT 'when computed, UTC, truncated to the millisecond',
	computed_at_micros  bigint    COMMENT 'when computed, exact: microseconds since 1970-01-01T00:00Z',
	input_count         int       COMMENT 'valid readings the score depends on (reconcile fingerprint); NULL in files of manifest format 3 and earlier',
	input_hash          bigint    COMMENT 'hash of those readings and the user profile (reconcile fingerprint)',
	row_hash            bigint    COMMENT 'seal of the stored row (reconcile)'
)
COMMENT 'health_score partitions moved out of PostgreSQL by the archive job'
PARTITIONED BY (month string COMMENT 'month of score_date, yyyy-MM')
STORED AS PARQUET
LOCATION '@archive_root@/health_score/'
TBLPROPERTIES (
	'projection.enabled' = 'true',
	'projection.month.type' = 'date',
	'projection.month.format' = 'yyyy-MM',
	'projection.month.range' = '2015-01,NOW',
	'projection.month.interval' = '1',
	'projection.month.interval.unit' = 'MONTHS',
	'storage.location.template' = '@archive_root@/health_score/month=${month}/'
);
