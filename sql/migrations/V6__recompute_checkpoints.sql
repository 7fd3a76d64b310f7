-- Missing scores after a partial recompute: a day that no reconcile has covered yet was
-- taken as scored whole by whatever wrote its oldest row, so after `recompute --users=…`
-- (or one shard of a sharded recompute) the users it skipped had no row there that
-- incremental reconcile could find. Now a recompute that scored every user of its range,
-- or every user of its shard, records it as a checkpoint too (written_by 'recompute'):
-- every score of first_day..last_day (of the shard's users) reflected the changes made
-- before changes_as_of, the oldest inputs_as_of of the rows it wrote. Incremental
-- reconcile counts such checkpoints as it counts its own, a sharded one once every shard
-- of the same count covers the day; on a day that nothing covers, it looks for every
-- user-day with input readings and no row.

ALTER TABLE reconcile_checkpoint
	ADD COLUMN written_by text NOT NULL DEFAULT 'reconcile' CHECK (written_by IN ('reconcile', 'recompute')),
	ADD COLUMN shard_index integer NOT NULL DEFAULT 0,
	ADD COLUMN shard_count integer NOT NULL DEFAULT 1,
	ADD CONSTRAINT reconcile_checkpoint_shard_check CHECK (shard_count >= 1 AND shard_index >= 0
		AND shard_index < shard_count);

COMMENT ON TABLE reconcile_checkpoint IS
	'One row per completed (not dry) reconcile run, and per recompute run that scored every user'
	' of its range or of its shard (shard_index of shard_count): every score of first_day..last_day'
	' (of those users) reflected the changes of its inputs made before changes_as_of';
