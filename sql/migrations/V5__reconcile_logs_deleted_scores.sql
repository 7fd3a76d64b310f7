-- Missing scores for incremental reconcile: a health_score row deleted by anything but this
-- system's score writers (a DELETE by hand, another tool) leaves a user-day with valid
-- inputs and no row, which no reading change reveals. A row trigger logs each such
-- deletion in score_input_change (score_date set, metric and recorded_at NULL), and the
-- next incremental reconcile scores that day again. As for readings, what the trigger
-- cannot see (TRUNCATE, session_replication_role = replica) is found by `reconcile --full`;
-- DETACH and DROP of partitions (the archive) fire no row trigger and are not logged.

ALTER TABLE score_input_change ADD COLUMN score_date date;

CREATE FUNCTION healthscore_log_score_deletion() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO score_input_change (user_id, score_date, change)
	VALUES (OLD.user_id, OLD.score_date, 'score_deleted');
	RETURN NULL;
END;
$$;

-- The score writers (recompute deleting rows whose inputs disappeared, reconcile deleting
-- orphans, both audited or recomputed by the jobs themselves) announce their deletes with
-- set_config('healthscore.writer', 'batch', true) in the deleting transaction. The WHEN
-- condition is evaluated as each row is deleted, so those rows cost no function call and
-- leave no log entry. A writer that forgot to announce itself would only log more: the
-- next reconcile checks those days again and finds them accurate.
--
-- A row trigger rather than a statement trigger with a transition table: a row trigger on
-- the partitioned table is cloned to every partition, present, future and attached, so a
-- DELETE addressed to a partition directly is logged too; a statement trigger on the
-- parent would miss it. Deleting rows by hand costs one more small insert per row.
CREATE TRIGGER health_score_deletion_log
	AFTER DELETE ON health_score
	FOR EACH ROW
	WHEN (current_setting('healthscore.writer', true) IS DISTINCT FROM 'batch')
	EXECUTE FUNCTION healthscore_log_score_deletion();
