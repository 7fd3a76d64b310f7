-- Indexes on the job repository's foreign keys, which Spring Batch's own schema leaves out
-- (its reference guide recommends them: "Recommendations for Indexing Meta Data Tables").
-- Every run, restart, stop and status looks executions up by instance and steps and
-- parameters by execution; without them each lookup reads the whole table, which grows by
-- every nightly run of every job and shard, and is kept.
CREATE INDEX IF NOT EXISTS batch_job_execution_instance_idx ON batch_job_execution (job_instance_id);
CREATE INDEX IF NOT EXISTS batch_job_execution_params_execution_idx ON batch_job_execution_params (job_execution_id);
CREATE INDEX IF NOT EXISTS batch_step_execution_execution_idx ON batch_step_execution (job_execution_id, step_name);
