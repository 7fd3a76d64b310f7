-- Core schema of the health-score system (DESIGN.md section 3).
-- app_user and health_reading belong to the app; they are created here so that a fresh
-- database works. Monthly partitions are created by healthscore_ensure_partitions(), called
-- by the application for the months it needs, never listed by hand.

CREATE TABLE app_user (
	user_id         bigint PRIMARY KEY,
	time_zone       text        NOT NULL DEFAULT 'UTC',
	daily_step_goal integer     NOT NULL DEFAULT 8000 CHECK (daily_step_goal > 0),
	created_at      timestamptz NOT NULL DEFAULT now(),
	deleted_at      timestamptz
);

CREATE TABLE health_reading (
	user_id     bigint           NOT NULL,
	metric      text             NOT NULL,
	recorded_at timestamptz      NOT NULL,
	value       double precision,
	source      text             NOT NULL,
	ingested_at timestamptz      NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, metric, recorded_at, source)
) PARTITION BY RANGE (recorded_at);

CREATE TABLE health_score (
	user_id           bigint      NOT NULL,
	score_date        date        NOT NULL,
	score             smallint,
	activity_score    smallint,
	sleep_score       smallint,
	heart_score       smallint,
	completeness      real        NOT NULL,
	algorithm_version integer     NOT NULL,
	inputs_as_of      timestamptz NOT NULL,
	computed_at       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, score_date)
) PARTITION BY RANGE (score_date);

-- Readings that failed validation, once per reading key, with the first rule they broke.
CREATE TABLE quarantined_reading (
	user_id          bigint           NOT NULL,
	metric           text             NOT NULL,
	recorded_at      timestamptz      NOT NULL,
	source           text             NOT NULL,
	value            double precision,
	ingested_at      timestamptz,
	reason           text             NOT NULL,
	first_seen       timestamptz      NOT NULL DEFAULT now(),
	job_execution_id bigint,
	PRIMARY KEY (user_id, metric, recorded_at, source)
);

CREATE INDEX quarantined_reading_reason_idx ON quarantined_reading (reason);

-- Every change made to a stored score by reconciliation: old and new values and why.
CREATE TABLE score_correction (
	correction_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id               bigint      NOT NULL,
	score_date            date        NOT NULL,
	old_score             smallint,
	new_score             smallint,
	old_activity_score    smallint,
	new_activity_score    smallint,
	old_sleep_score       smallint,
	new_sleep_score       smallint,
	old_heart_score       smallint,
	new_heart_score       smallint,
	old_completeness      real,
	new_completeness      real,
	old_algorithm_version integer,
	new_algorithm_version integer,
	reasons               text[]      NOT NULL,
	job_execution_id      bigint,
	corrected_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX score_correction_user_day_idx ON score_correction (user_id, score_date);
CREATE INDEX score_correction_job_idx ON score_correction (job_execution_id);

-- One row per archived table partition: where its copy is and how far the archive got.
CREATE TABLE archive_ledger (
	table_name       text        NOT NULL,
	month            date        NOT NULL CHECK (extract(day FROM month) = 1),
	partition_name   text        NOT NULL,
	state            text        NOT NULL,
	s3_uri           text,
	file_count       integer,
	row_count        bigint,
	checksum         text,
	bytes            bigint,
	job_execution_id bigint,
	started_at       timestamptz NOT NULL DEFAULT now(),
	updated_at       timestamptz NOT NULL DEFAULT now(),
	verified_at      timestamptz,
	detached_at      timestamptz,
	dropped_at       timestamptz,
	restored_at      timestamptz,
	last_error       text,
	PRIMARY KEY (table_name, month)
);

-- Creates the missing monthly partitions of a month-partitioned table for every month from
-- first_month to last_month (inclusive) and returns how many it created. Bounds of
-- timestamptz keys are UTC month starts; of date keys, first days of months. Safe to call
-- concurrently and repeatedly.
CREATE FUNCTION healthscore_ensure_partitions(parent regclass, first_month date, last_month date)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	key_type  text;
	month     date := date_trunc('month', first_month)::date;
	created   integer := 0;
	part_name text;
	lower_lit text;
	upper_lit text;
BEGIN
	SELECT format_type(a.atttypid, a.atttypmod) INTO key_type
	FROM pg_partitioned_table p
	JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
	WHERE p.partrelid = parent;
	IF key_type IS NULL THEN
		RAISE EXCEPTION 'Cannot create partitions: % is not a partitioned table', parent;
	END IF;
	WHILE month <= last_month LOOP
		part_name := format('%s_%s', parent::text, to_char(month, 'YYYY_MM'));
		IF key_type = 'date' THEN
			lower_lit := to_char(month, 'YYYY-MM-DD');
			upper_lit := to_char((month + interval '1 month')::date, 'YYYY-MM-DD');
		ELSE
			lower_lit := to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00';
			upper_lit := to_char((month + interval '1 month')::date, 'YYYY-MM-DD') || ' 00:00:00+00';
		END IF;
		IF to_regclass(part_name) IS NULL THEN
			BEGIN
				EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
					part_name, parent::text, lower_lit, upper_lit);
				created := created + 1;
			EXCEPTION WHEN duplicate_table OR unique_violation THEN
				NULL; -- another session created it first
			END;
		END IF;
		month := (month + interval '1 month')::date;
	END LOOP;
	RETURN created;
END;
$$;
