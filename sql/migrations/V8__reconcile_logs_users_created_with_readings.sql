-- Users that the change log of V3 did not see: an app_user row inserted while readings of
-- its user_id exist (a user created after their readings arrived, or a user_id used again
-- after a hard delete). Those readings become inputs, however long ago they came, and no
-- incremental reconcile found their days (only `reconcile --full`). An insert is now logged
-- as user_created, which makes every day of a range suspect, as a changed user does; only
-- when the user has readings, so that a new user without any (the usual case) costs one
-- index probe per partition of health_reading and no log entry. Readings committed later
-- are found by their ingested_at.
--
-- The same holds for an UPDATE of user_id (accounts merged, an id corrected): the old id's
-- readings are no inputs any more and the new id's become inputs. It was not logged at all
-- (the trigger watched other columns): it is now logged as the old id deleted and the new
-- one created.

CREATE OR REPLACE FUNCTION healthscore_log_user_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.deleted_at IS NULL AND EXISTS (SELECT 1 FROM health_reading WHERE user_id = NEW.user_id) THEN
			INSERT INTO score_input_change (user_id, change) VALUES (NEW.user_id, 'user_created');
		END IF;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO score_input_change (user_id, change) VALUES (OLD.user_id, 'user_deleted');
	ELSIF OLD.user_id IS DISTINCT FROM NEW.user_id THEN
		INSERT INTO score_input_change (user_id, change) VALUES (OLD.user_id, 'user_deleted');
		IF NEW.deleted_at IS NULL AND EXISTS (SELECT 1 FROM health_reading WHERE user_id = NEW.user_id) THEN
			INSERT INTO score_input_change (user_id, change) VALUES (NEW.user_id, 'user_created');
		END IF;
	ELSIF NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL THEN
		INSERT INTO score_input_change (user_id, change) VALUES (NEW.user_id, 'user_deleted');
	ELSIF (OLD.time_zone, OLD.daily_step_goal, OLD.deleted_at IS NULL)
			IS DISTINCT FROM (NEW.time_zone, NEW.daily_step_goal, NEW.deleted_at IS NULL) THEN
		INSERT INTO score_input_change (user_id, change) VALUES (NEW.user_id, 'user_changed');
	END IF;
	RETURN NULL;
END;
$$;

DROP TRIGGER app_user_change_log ON app_user;

CREATE TRIGGER app_user_change_log
	AFTER INSERT OR DELETE OR UPDATE OF user_id, time_zone, daily_step_goal, deleted_at ON app_user
	FOR EACH ROW EXECUTE FUNCTION healthscore_log_user_change();
