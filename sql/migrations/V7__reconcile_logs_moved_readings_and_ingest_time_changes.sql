-- Changes of readings that the change log of V3 did not see. Each left an inaccurate score
-- that no incremental reconcile found (only `reconcile --full`):
--
-- 1. A reading moved to another partition by an UPDATE (its recorded_at moved to another
--    month, UTC). PostgreSQL runs such an update as a DELETE from the old partition and an
--    INSERT into the new one: AFTER UPDATE row triggers do not fire, the AFTER DELETE
--    trigger logged the old key only, and the reading's new day (its ingested_at is old)
--    was never suspect. BEFORE UPDATE row triggers fire for every update, moving a row or
--    not (on the partition it leaves), so updates are now logged by one, and the AFTER
--    trigger logs deletions only. The old key of a moved reading is then logged twice
--    (changed_input and deleted_input), which makes its days suspect once.
-- 2. An UPDATE of ingested_at alone that makes a reading valid or invalid by the clock
--    skew rule of DESIGN.md section 4 (recorded_at more than 24 hours after ingested_at),
--    as when the app corrects a wrong ingest time. Only such an update is logged: one that
--    leaves the reading as valid as it was changes no score, and one to a later time is
--    found by its ingested_at anyway.

CREATE OR REPLACE FUNCTION healthscore_log_reading_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO score_input_change (user_id, metric, recorded_at, change)
	VALUES (OLD.user_id, OLD.metric, OLD.recorded_at, 'deleted_input');
	RETURN NULL;
END;
$$;

CREATE FUNCTION healthscore_log_reading_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF (OLD.user_id, OLD.metric, OLD.recorded_at, OLD.source, OLD.value)
			IS DISTINCT FROM (NEW.user_id, NEW.metric, NEW.recorded_at, NEW.source, NEW.value)
		OR (OLD.recorded_at > OLD.ingested_at + interval '24 hours')
			IS DISTINCT FROM (NEW.recorded_at > NEW.ingested_at + interval '24 hours') THEN
		INSERT INTO score_input_change (user_id, metric, recorded_at, change)
		VALUES (OLD.user_id, OLD.metric, OLD.recorded_at, 'changed_input');
		IF (OLD.user_id, OLD.metric, OLD.recorded_at) IS DISTINCT FROM (NEW.user_id, NEW.metric, NEW.recorded_at) THEN
			INSERT INTO score_input_change (user_id, metric, recorded_at, change)
			VALUES (NEW.user_id, NEW.metric, NEW.recorded_at, 'changed_input');
		END IF;
	END IF;
	RETURN NEW;
END;
$$;

-- Dropping the partitioned table's trigger drops its clones on the partitions; the new
-- ones are cloned to every partition, present and future, as before.
DROP TRIGGER health_reading_change_log ON health_reading;

CREATE TRIGGER health_reading_change_log
	AFTER DELETE ON health_reading
	FOR EACH ROW EXECUTE FUNCTION healthscore_log_reading_change();

CREATE TRIGGER health_reading_update_log
	BEFORE UPDATE OF user_id, metric, recorded_at, source, value, ingested_at ON health_reading
	FOR EACH ROW EXECUTE FUNCTION healthscore_log_reading_update();
