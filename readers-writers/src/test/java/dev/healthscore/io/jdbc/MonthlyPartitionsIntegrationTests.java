package dev.healthscore.io.jdbc;

import java.sql.Connection;
import java.time.YearMonth;
import java.util.List;

import dev.healthscore.io.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code healthscore_ensure_partitions} through {@link MonthlyPartitions} on a real
 * PostgreSQL, migrated with the project's Flyway scripts: a month whose rows a
 * {@code DEFAULT} partition already holds (a device whose clock runs months ahead) gets
 * its partition with those rows moved into it, instead of PostgreSQL refusing to create
 * it.
 */
class MonthlyPartitionsIntegrationTests {

	private static TestPostgres postgres;

	private static JdbcTemplate jdbc;

	private static MonthlyPartitions partitions;

	@BeforeAll
	static void start() throws Exception {
		postgres = TestPostgres.start();
		jdbc = new JdbcTemplate(postgres.dataSource());
		partitions = new MonthlyPartitions(postgres.dataSource());
	}

	@AfterAll
	static void stop() throws Exception {
		postgres.close();
	}

	@Test
	void rowsOfAMonthInTheDefaultPartitionMoveIntoItsPartitionWhenItIsCreated() {
		assertThat(partitions.ensure("health_reading", YearMonth.of(2031, 1), YearMonth.of(2031, 1))).isOne();
		jdbc.execute("CREATE TABLE IF NOT EXISTS health_reading_default PARTITION OF health_reading DEFAULT");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source) VALUES"
				+ " (1, 'steps', '2031-01-31 23:59:59+00', 10, 'watch'),"
				+ " (1, 'steps', '2031-02-01 00:00:00+00', 11, 'watch'),"
				+ " (2, 'heart_rate', '2031-02-28 23:59:59.999999+00', NULL, 'phone'),"
				+ " (1, 'steps', '2031-03-01 00:00:00+00', 12, 'watch'),"
				+ " (3, 'steps', '2031-05-10 08:00:00+00', 13, 'watch')");
		assertThat(count("health_reading_default")).isEqualTo(4);
		List<String> february = rows("health_reading_default",
				"recorded_at >= '2031-02-01 00:00:00+00' AND recorded_at < '2031-03-01 00:00:00+00'");
		assertThat(february).hasSize(2);

		assertThat(partitions.ensure("health_reading", YearMonth.of(2031, 1), YearMonth.of(2031, 3))).isEqualTo(2);

		assertThat(parentOf("health_reading_2031_02")).isEqualTo("health_reading");
		assertThat(parentOf("health_reading_2031_03")).isEqualTo("health_reading");
		assertThat(rows("health_reading_2031_02", "true")).containsExactlyInAnyOrderElementsOf(february);
		assertThat(count("health_reading_2031_03")).isOne();
		assertThat(rows("health_reading_default", "true")).containsExactly("3|steps|2031-05-10 08:00:00+00|13|watch");
		// as a partition created empty (January): the parent's indexes, constraints,
		// defaults
		assertThat(definition("health_reading_2031_02")).isEqualTo(definition("health_reading_2031_01"))
			.contains("UNIQUE INDEX health_reading_2031_xx_pkey");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source) VALUES"
				+ " (4, 'steps', '2031-02-02 00:00:00+00', 1, 'watch')");
		assertThat(count("health_reading_2031_02")).isEqualTo(3);
		assertThat(jdbc.queryForObject("SELECT count(*) FROM health_reading_2031_02 WHERE ingested_at IS NULL",
				Long.class))
			.isZero();

		// again: nothing to create, nothing moved
		assertThat(partitions.ensure("health_reading", YearMonth.of(2031, 1), YearMonth.of(2031, 3))).isZero();
		assertThat(count("health_reading_2031_02")).isEqualTo(3);
		assertThat(count("health_reading_default")).isOne();
	}

	@Test
	void rowsOfAMonthInTheDefaultPartitionOfADateKeyedTableMoveToo() {
		jdbc.execute("CREATE TABLE health_score_default PARTITION OF health_score DEFAULT");
		jdbc.update("INSERT INTO health_score (user_id, score_date, score, completeness, algorithm_version,"
				+ " inputs_as_of) VALUES (1, '2032-04-30', 70, 1, 1, now()), (1, '2032-05-01', 71, 1, 1, now())");

		assertThat(partitions.ensure("health_score", YearMonth.of(2032, 4), YearMonth.of(2032, 4))).isOne();

		assertThat(parentOf("health_score_2032_04")).isEqualTo("health_score");
		assertThat(jdbc.queryForList("SELECT score_date::text FROM health_score_2032_04", String.class))
			.containsExactly("2032-04-30");
		assertThat(jdbc.queryForList("SELECT score_date::text FROM health_score_default", String.class))
			.containsExactly("2032-05-01");
	}

	/**
	 * The locks the migration's comment names, read back from {@code pg_locks} before the
	 * moving transaction ends.
	 */
	@Test
	void aMoveHoldsTheParentAndTheDefaultPartitionAccessExclusiveUntilItsTransactionEnds() throws Exception {
		jdbc.execute("CREATE TABLE IF NOT EXISTS health_reading_default PARTITION OF health_reading DEFAULT");
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source) VALUES"
				+ " (9, 'steps', '2033-07-04 00:00:00+00', 1, 'watch')");
		try (Connection connection = postgres.dataSource().getConnection()) {
			connection.setAutoCommit(false);
			JdbcTemplate one = new JdbcTemplate(new SingleConnectionDataSource(connection, true));
			assertThat(one.queryForObject(
					"SELECT healthscore_ensure_partitions('health_reading', DATE '2033-07-01', DATE '2033-07-01')",
					Integer.class))
				.isOne();
			List<String> locks = one.queryForList("SELECT c.relname || ' ' || l.mode FROM pg_locks l JOIN pg_class c"
					+ " ON c.oid = l.relation WHERE l.pid = pg_backend_pid() AND c.relkind IN ('r', 'p')"
					+ " AND c.relname LIKE 'health_reading%'", String.class);
			connection.rollback();
			assertThat(locks).contains("health_reading AccessExclusiveLock",
					"health_reading_default AccessExclusiveLock", "health_reading_2033_07 AccessExclusiveLock");
		}
		assertThat(jdbc.update("DELETE FROM health_reading_default WHERE user_id = 9")).as("rolled back").isOne();
	}

	private static long count(String table) {
		return jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class);
	}

	private static List<String> rows(String table, String condition) {
		return jdbc.queryForList("SELECT concat_ws('|', user_id, metric, recorded_at AT TIME ZONE 'UTC' || '+00',"
				+ " value, source) FROM " + table + " WHERE " + condition, String.class);
	}

	private static String definition(String partition) {
		String sql = "SELECT string_agg(d, ' / ' ORDER BY d) FROM (SELECT indexdef AS d FROM pg_indexes WHERE tablename"
				+ " = ? UNION ALL SELECT contype::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid"
				+ " = ?::regclass UNION ALL SELECT attname::text || ' ' || format_type(atttypid, atttypmod) || ' '"
				+ " || attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute a LEFT"
				+ " JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = ?::regclass"
				+ " AND a.attnum > 0 AND NOT a.attisdropped) r";
		return jdbc.queryForObject(sql, String.class, partition, partition, partition)
			.replace(partition, "health_reading_2031_xx");
	}

	private static String parentOf(String partition) {
		return jdbc.queryForObject("SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = ?::regclass",
				String.class, partition);
	}

}
