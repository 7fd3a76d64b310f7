-- healthscore_ensure_partitions (V1) again, for a parent with a DEFAULT partition that
-- already holds rows of a month it is to create: a device whose clock runs months ahead
-- writes readings of months that have no partition yet, which PostgreSQL puts in the
-- DEFAULT partition, and CREATE TABLE ... PARTITION OF then fails for the month ("updated
-- partition constraint for default partition ... would be violated"), every time.
--
-- As pg_partman does, such a month's table is created on its own (the parent's columns,
-- defaults, NOT NULL and CHECK constraints, and a CHECK of the month's bounds), the rows
-- move into it from the DEFAULT partition (DELETE ... RETURNING into INSERT), and it is
-- attached, which builds the parent's indexes on it (its primary key) as on any
-- partition; the bounds CHECK, which spares ATTACH a read of the new table, is dropped
-- then. One NOTICE per month says how many rows moved (MonthlyPartitions logs it). A month
-- without such rows, or a parent without a DEFAULT partition, is created as before.
--
-- Locks. Where a month is missing and the parent has a DEFAULT partition, the parent
-- (ONLY, not its partitions) and then the DEFAULT partition are locked ACCESS EXCLUSIVE,
-- in that order, until the transaction (the calling statement) ends: what CREATE TABLE
-- ... PARTITION OF takes anyway, in the same order, so a concurrent call, an insert routed
-- to the DEFAULT partition, or the archive's DETACH waits rather than deadlocks, and no
-- row of the month can reach the DEFAULT partition between the move and the ATTACH. While
-- held, every read and write of the parent and of the DEFAULT partition waits: for the
-- check for rows of the month (a read of the DEFAULT partition), and when there are, for
-- the DELETE (another read of it), the INSERT into the new table and the ATTACH (which
-- reads the DEFAULT partition once more to check it holds no row of the month). A large
-- DEFAULT partition makes each missing month take longer and block the app meanwhile,
-- as CREATE TABLE ... PARTITION OF did (it reads the DEFAULT partition too).
CREATE OR REPLACE FUNCTION healthscore_ensure_partitions(parent regclass, first_month date, last_month date)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	key_type    text;
	key_column  text;
	default_oid oid;
	columns     text;
	month       date := date_trunc('month', first_month)::date;
	created     integer := 0;
	moved       bigint;
	part_name   text;
	lower_lit   text;
	upper_lit   text;
	in_month    text;
BEGIN
	SELECT format_type(a.atttypid, a.atttypmod), quote_ident(a.attname), p.partdefid
	INTO key_type, key_column, default_oid
	FROM pg_partitioned_table p
	JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
	WHERE p.partrelid = parent;
	IF key_type IS NULL THEN
		RAISE EXCEPTION 'Cannot create partitions: % is not a partitioned table', parent;
	END IF;
	SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO columns
	FROM pg_attribute a
	WHERE a.attrelid = parent AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
	WHILE month <= last_month LOOP
		part_name := format('%s_%s', parent::text, to_char(month, 'YYYY_MM'));
		IF key_type = 'date' THEN
			lower_lit := to_char(month, 'YYYY-MM-DD');
			upper_lit := to_char((month + interval '1 month')::date, 'YYYY-MM-DD');
		ELSE
			lower_lit := to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00';
			upper_lit := to_char((month + interval '1 month')::date, 'YYYY-MM-DD') || ' 00:00:00+00';
		END IF;
		in_month := format('%s >= %L::%s AND %s < %L::%s', key_column, lower_lit, key_type, key_column, upper_lit,
			key_type);
		IF to_regclass(part_name) IS NOT NULL THEN
			NULL; -- there already
		ELSIF default_oid IS NULL OR default_oid = 0 THEN
			BEGIN
				EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
					part_name, parent::text, lower_lit, upper_lit);
				created := created + 1;
			EXCEPTION WHEN duplicate_table OR unique_violation THEN
				NULL; -- another session created it first
			END;
		ELSE
			EXECUTE format('LOCK TABLE ONLY %s IN ACCESS EXCLUSIVE MODE', parent::text);
			EXECUTE format('LOCK TABLE ONLY %s IN ACCESS EXCLUSIVE MODE', default_oid::regclass::text);
			IF to_regclass(part_name) IS NOT NULL THEN
				NULL; -- another session created it while this one waited for the locks
			ELSE
				EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s LIMIT 1) r',
					default_oid::regclass::text, in_month) INTO STRICT moved;
				IF moved = 0 THEN
					EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
						part_name, parent::text, lower_lit, upper_lit);
				ELSE
					EXECUTE format('CREATE TABLE %I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS,'
						|| ' CONSTRAINT %I CHECK (%s))', part_name, parent::text, part_name || '_move_bound', in_month);
					EXECUTE format('WITH moved AS (DELETE FROM %s WHERE %s RETURNING %s) INSERT INTO %I (%s)'
						|| ' SELECT %s FROM moved', default_oid::regclass::text, in_month, columns, part_name, columns,
						columns);
					GET DIAGNOSTICS moved = ROW_COUNT;
					EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
						parent::text, part_name, lower_lit, upper_lit);
					EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part_name, part_name || '_move_bound');
					RAISE NOTICE 'Created % for % with % rows moved into it from the DEFAULT partition %',
						part_name, to_char(month, 'YYYY-MM'), moved, default_oid::regclass::text;
				END IF;
				created := created + 1;
			END IF;
		END IF;
		month := (month + interval '1 month')::date;
	END LOOP;
	RETURN created;
END;
$$;
