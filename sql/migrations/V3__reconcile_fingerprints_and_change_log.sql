-- Reconciliation (the reconcile job): what each score was computed from, what changed
-- since, and the job's own bookkeeping.
--
-- health_reading and app_user belong to the app. This migration adds to them an index on
-- health_reading (ingested_at) and row triggers that log deletions and updates of their
-- rows in score_input_change: the app's writes then cost one more index entry per
-- reading, and one more insert per deleted or updated reading or user. Changes the
-- triggers cannot see (TRUNCATE, dropped partitions, session_replication_role = replica)
-- are found by `reconcile --full`, which compares fingerprints instead.

-- The fingerprint of a score's inputs, written with the score: input_count and
-- input_hash are the number of valid readings the score depends on (all input metrics of
-- its day, plus the lookback metrics of the lookback days) and the sum, modulo 2^64, of
-- their healthscore_reading_hash plus healthscore_profile_hash of the user. row_hash
-- seals the stored values (healthscore_score_row_hash); a row changed by anything but the
-- score writers no longer matches it. NULL in rows written before this migration.
ALTER TABLE health_score
	ADD COLUMN input_count integer,
	ADD COLUMN input_hash  bigint,
	ADD COLUMN row_hash    bigint;

-- A numeric sum of 64-bit hashes, wrapped to a signed 64-bit integer (Java's long addition).
CREATE FUNCTION healthscore_wrap64(value numeric) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT (CASE WHEN m >= 9223372036854775808 THEN m - 18446744073709551616 ELSE m END)::bigint
	FROM (SELECT mod(mod(value, 18446744073709551616) + 18446744073709551616, 18446744073709551616) AS m) wrapped
$$;

-- The hashes below are PostgreSQL's own hash_record_extended (the Jenkins hash behind hash
-- partitioning, stable across versions on little-endian servers): about five times faster
-- in SQL than an MD5 of a canonical text, and ported bit for bit to Java
-- (dev.healthscore.io.score.PgHashes); the tests hold the two equal.

-- The hash of one reading as a score input: the row (metric, recorded_at, source, value).
CREATE FUNCTION healthscore_reading_hash(metric text, recorded_at timestamptz, source text, value double precision)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT hash_record_extended(ROW(metric, recorded_at, source, value), 0)
$$;

-- The hash of the user attributes a score depends on: the daily step goal and the time zone.
CREATE FUNCTION healthscore_profile_hash(daily_step_goal integer, time_zone text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT hash_record_extended(ROW(daily_step_goal, time_zone), 0)
$$;

-- The seal of a stored score row: its key, values and fingerprint (SQL only).
CREATE FUNCTION healthscore_score_row_hash(user_id bigint, score_date date, score smallint,
	activity_score smallint, sleep_score smallint, heart_score smallint, completeness real,
	algorithm_version integer, input_count integer, input_hash bigint)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT hash_record_extended(ROW(user_id, score_date, score, activity_score, sleep_score, heart_score,
		completeness, algorithm_version, input_count, input_hash, 'sealed'::text), 0)
$$;

-- Late readings: those ingested after a given time, found without reading the others.
-- On a large existing table, build each partition's index CONCURRENTLY first and this
-- statement only attaches them instead of locking writes while it builds.
CREATE INDEX health_reading_ingested_at_idx ON health_reading (ingested_at);

-- Changes of score inputs that leave no trace in health_reading or app_user: deleted or
-- updated readings (metric and recorded_at set), changed or deleted users (both NULL).
CREATE TABLE score_input_change (
	change_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id     bigint      NOT NULL,
	metric      text,
	recorded_at timestamptz,
	change      text        NOT NULL,
	changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX score_input_change_changed_at_idx ON score_input_change (changed_at);

CREATE FUNCTION healthscore_log_reading_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		INSERT INTO score_input_change (user_id, metric, recorded_at, change)
		VALUES (OLD.user_id, OLD.metric, OLD.recorded_at, 'deleted_input');
	ELSIF (OLD.user_id, OLD.metric, OLD.recorded_at, OLD.source, OLD.value)
			IS DISTINCT FROM (NEW.user_id, NEW.metric, NEW.recorded_at, NEW.source, NEW.value) THEN
		INSERT INTO score_input_change (user_id, metric, recorded_at, change)
		VALUES (OLD.user_id, OLD.metric, OLD.recorded_at, 'changed_input');
		IF (OLD.user_id, OLD.metric, OLD.recorded_at) IS DISTINCT FROM (NEW.user_id, NEW.metric, NEW.recorded_at) THEN
			INSERT INTO score_input_change (user_id, metric, recorded_at, change)
			VALUES (NEW.user_id, NEW.metric, NEW.recorded_at, 'changed_input');
		END IF;
	END IF;
	RETURN NULL;
END;
$$;

-- A row trigger on the partitioned table is cloned to every partition, present and future,
-- so that DML addressed to a partition directly is logged too.
CREATE TRIGGER health_reading_change_log
	AFTER DELETE OR UPDATE OF user_id, metric, recorded_at, source, value ON health_reading
	FOR EACH ROW EXECUTE FUNCTION healthscore_log_reading_change();

CREATE FUNCTION healthscore_log_user_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		INSERT INTO score_input_change (user_id, change) VALUES (OLD.user_id, 'user_deleted');
	ELSIF NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL THEN
		INSERT INTO score_input_change (user_id, change) VALUES (NEW.user_id, 'user_deleted');
	ELSIF (OLD.time_zone, OLD.daily_step_goal, OLD.deleted_at IS NULL)
			IS DISTINCT FROM (NEW.time_zone, NEW.daily_step_goal, NEW.deleted_at IS NULL) THEN
		INSERT INTO score_input_change (user_id, change) VALUES (NEW.user_id, 'user_changed');
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER app_user_change_log
	AFTER DELETE OR UPDATE OF time_zone, daily_step_goal, deleted_at ON app_user
	FOR EACH ROW EXECUTE FUNCTION healthscore_log_user_change();

-- The (user, day) rows a reconcile run checks, with why; rows of a job instance live
-- until it completes, so that a restart resumes from them.
CREATE TABLE reconcile_suspect (
	job_instance_id bigint NOT NULL,
	user_id         bigint NOT NULL,
	score_date      date   NOT NULL,
	reasons         text[] NOT NULL,
	PRIMARY KEY (job_instance_id, user_id, score_date)
);

-- One row per completed (not dry) reconcile run: every score of first_day..last_day
-- reflected the changes of its inputs made before changes_as_of when it ended.
CREATE TABLE reconcile_checkpoint (
	job_execution_id bigint      PRIMARY KEY,
	first_day        date        NOT NULL,
	last_day         date        NOT NULL,
	changes_as_of    timestamptz NOT NULL,
	full_check       boolean     NOT NULL,
	completed_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX reconcile_checkpoint_days_idx ON reconcile_checkpoint (first_day, last_day);
