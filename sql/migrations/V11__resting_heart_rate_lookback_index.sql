-- The resting heart rate of the 28 days before a day (the heart score's baseline, DESIGN
-- section 4), read when reconcile scores a day again: a late reading of any metric makes
-- its day suspect, and each suspect day needs that lookback. The table holds one such
-- reading a day per user and device among about forty readings of other metrics, so
-- through the primary key a 29-day window visits up to 29 table pages for 29 rows, most of
-- what reconcile reads for scattered late readings. This partial index holds only those
-- rows, with every column reconcile reads (the metric is its predicate), so the same
-- window is an index-only scan of one or two of its pages. It is about 1% of the table's
-- size (2.9 MB for a month of 3.4 million generated readings, whose table is 262 MB and
-- primary key 263 MB) and costs the app's inserts of this one metric an index entry.
--
-- As health_reading_ingested_at_idx (V3): on a large existing table, build each
-- partition's index CONCURRENTLY first and this statement only attaches them instead of
-- locking writes while it builds. Partitions created later, and months restored from the
-- archive, get it when they are attached.
CREATE INDEX health_reading_resting_hr_idx ON health_reading (user_id, recorded_at)
	INCLUDE (value, source, ingested_at) WHERE metric = 'resting_heart_rate';
