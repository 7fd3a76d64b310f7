-- Archived device readings (DESIGN.md section 6). One folder per UTC month of recorded_at,
-- found by partition projection: no crawler, no MSCK REPAIR TABLE.
-- Replace @archive_root@ with s3://<bucket>/<prefix> before running (see README.md).
CREATE EXTERNAL TABLE IF NOT EXISTS health_reading (
	user_id            bigint    COMMENT 'app user id',
	metric             string    COMMENT 'steps, active_minutes, sleep_minutes, resting_heart_rate, heart_rate',
	recorded_at        timestamp COMMENT 'when measured, UTC, truncated to the millisecond',
	recorded_at_micros bigint    COMMENT 'when measured, exact: microseconds since 1970-01-01T00:00Z',
	value              double    COMMENT 'may be NULL, NaN or infinite: readings are archived as received',
	source             string    COMMENT 'device or app that sent the reading',
	ingested_at        timestamp COMMENT 'when received, UTC, truncated to the millisecond',
	ingested_at_micros bigint    COMMENT 'when received, exact: microseconds since 1970-01-01T00:00Z'
)
COMMENT 'health_reading partitions moved out of PostgreSQL by the archive job'
PARTITIONED BY (month string COMMENT 'UTC month of recorded_at, yyyy-MM')
STORED AS PARQUET
LOCATION '@archive_root@/health_reading/'
TBLPROPERTIES (
	'projection.enabled' = 'true',
	'projection.month.type' = 'date',
	'projection.month.format' = 'yyyy-MM',
	'projection.month.range' = '2015-01,NOW',
	'projection.month.interval' = '1',
	'projection.month.interval.unit' = 'MONTHS',
	'storage.location.template' = '@archive_root@/health_reading/month=${month}/'
);
