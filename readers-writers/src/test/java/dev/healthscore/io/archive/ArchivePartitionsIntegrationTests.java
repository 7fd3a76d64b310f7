package dev.healthscore.io.archive;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.healthscore.io.archive.ArchivePartitions.DefaultRows;
import dev.healthscore.io.archive.ArchivePartitions.Status;
import dev.healthscore.io.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

/**
 * Detaching, finishing an interrupted detach, dropping, and re-creating and attaching
 * monthly partitions on a real PostgreSQL.
 */
class ArchivePartitionsIntegrationTests {

	private static final YearMonth MAY_2018 = YearMonth.of(2018, 5);

	private static TestPostgres postgres;

	private final ArchivePartitions partitions = new ArchivePartitions();

	@BeforeAll
	static void start() throws Exception {
		postgres = TestPostgres.start();
		postgres.seedJanuary2025(20, 10);
	}

	@AfterAll
	static void stop() throws Exception {
		postgres.close();
	}

	@Test
	void aPartitionIsDetachedConcurrentlyAndAttachedBackWithItsRows() throws Exception {
		YearMonth month = ensure("health_reading", "2024-06");
		postgres.execute("INSERT INTO health_reading VALUES (1, 'steps', '2024-06-30 23:59:59.999999+00', 1, 'p')",
				"INSERT INTO health_reading VALUES (1, 'steps', '2024-06-01 00:00:00+00', 2, 'p')");
		try (Connection connection = postgres.connection()) {
			assertThat(this.partitions.status(connection, ArchiveTable.HEALTH_READING, month))
				.isEqualTo(Status.ATTACHED);
			assertThat(this.partitions.attachedMonths(connection, ArchiveTable.HEALTH_READING)).contains(month);
			assertThat(this.partitions.detach(connection, ArchiveTable.HEALTH_READING, month)).isTrue();
			assertThat(this.partitions.status(connection, ArchiveTable.HEALTH_READING, month))
				.isEqualTo(Status.DETACHED);
			assertThat(this.partitions.attachedMonths(connection, ArchiveTable.HEALTH_READING)).doesNotContain(month);
			assertThat(count(connection, "health_reading WHERE recorded_at < '2024-07-01 00:00:00+00'")).isZero();
			this.partitions.attach(connection, ArchiveTable.HEALTH_READING, month);
			assertThat(count(connection, "health_reading WHERE recorded_at < '2024-07-01 00:00:00+00'")).isEqualTo(2);
		}
	}

	@Test
	void withADefaultPartitionTheDetachIsPlain() throws Exception {
		YearMonth month = ensure("health_score", "2024-07");
		postgres.execute("CREATE TABLE health_score_default PARTITION OF health_score DEFAULT");
		try (Connection connection = postgres.connection()) {
			assertThat(this.partitions.detach(connection, ArchiveTable.HEALTH_SCORE, month)).isFalse();
			assertThat(this.partitions.status(connection, ArchiveTable.HEALTH_SCORE, month)).isEqualTo(Status.DETACHED);
		}
		finally {
			postgres.execute("DROP TABLE health_score_default");
		}
	}

	/**
	 * Rows of months without a partition land in the DEFAULT partition: they are counted
	 * by the UTC month of the key (the partitions' bounds), whatever the session's zone.
	 */
	@Test
	void theDefaultPartitionsRowsAreCountedByTheirUtcMonth() throws Exception {
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			assertThat(this.partitions.defaultRowsByMonth(connection, ArchiveTable.HEALTH_READING, MAY_2018))
				.as("no default partition")
				.isNull();
		}
		postgres.execute("CREATE TABLE health_reading_default PARTITION OF health_reading DEFAULT",
				"CREATE TABLE health_score_default PARTITION OF health_score DEFAULT");
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			assertThat(this.partitions.defaultRowsByMonth(connection, ArchiveTable.HEALTH_READING, MAY_2018).months())
				.as("empty")
				.isEmpty();
			postgres.execute("INSERT INTO health_reading VALUES (1, 'steps', '2018-03-31 23:30:00+00', 1, 'p'),"
					+ " (1, 'steps', '2018-04-01 00:30:00+02', 1, 'p'), (2, 'steps', '2018-04-01 00:00:00+00', 1, 'p')",
					"INSERT INTO health_score (user_id, score_date, completeness, algorithm_version, inputs_as_of)"
							+ " VALUES (1, '2018-02-28', 1, 1, now()), (1, '2018-03-01', 1, 1, now())");
			statement.execute("SET TimeZone = 'Pacific/Kiritimati'");
			DefaultRows readings = this.partitions.defaultRowsByMonth(connection, ArchiveTable.HEALTH_READING,
					MAY_2018);
			assertThat(readings.months()).containsExactly(Map.entry(YearMonth.of(2018, 3), 2L),
					Map.entry(YearMonth.of(2018, 4), 1L));
			assertThat(readings.partition()).isEqualTo("health_reading_default");
			assertThat(readings.monthCondition(YearMonth.of(2018, 3))).isEqualTo(
					this.partitions.monthCondition(connection, ArchiveTable.HEALTH_READING, YearMonth.of(2018, 3)));
			DefaultRows scores = this.partitions.defaultRowsByMonth(connection, ArchiveTable.HEALTH_SCORE, MAY_2018);
			assertThat(scores.months()).containsExactly(Map.entry(YearMonth.of(2018, 2), 1L),
					Map.entry(YearMonth.of(2018, 3), 1L));
			assertThat(scores.monthCondition(YearMonth.of(2018, 2)))
				.isEqualTo("score_date >= '2018-02-01'::date AND score_date < '2018-03-01'::date");
			// the months before the one given only
			assertThat(
					this.partitions.defaultRowsByMonth(connection, ArchiveTable.HEALTH_READING, YearMonth.of(2018, 4))
						.months())
				.containsExactly(Map.entry(YearMonth.of(2018, 3), 2L));
			assertThat(this.partitions.defaultRowsByMonth(connection, ArchiveTable.HEALTH_SCORE, YearMonth.of(2018, 3))
				.months()).containsExactly(Map.entry(YearMonth.of(2018, 2), 1L));
		}
		finally {
			postgres.execute("DROP TABLE health_reading_default", "DROP TABLE health_score_default");
		}
	}

	@Test
	void thePartitionsUnderOtherNamesThatOverlapAMonthAreFoundByTheirBoundsWhateverTheSessionsTimeZone()
			throws Exception {
		YearMonth own = ensure("health_reading", "2019-04");
		postgres.execute(
				"CREATE TABLE health_reading_early PARTITION OF health_reading FOR VALUES FROM (MINVALUE)"
						+ " TO ('2019-03-01 00:00:00+00')",
				"CREATE TABLE health_reading_late_2019 PARTITION OF health_reading"
						+ " FOR VALUES FROM ('2019-06-30 23:00:00-01') TO ('2020-01-01 00:00:00+00')",
				"CREATE TABLE health_reading_future PARTITION OF health_reading"
						+ " FOR VALUES FROM ('2030-01-01 00:00:00+00') TO (MAXVALUE)",
				"CREATE TABLE health_reading_default PARTITION OF health_reading DEFAULT");
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			// the bounds read back in another zone than they were written in
			statement.execute("SET TimeZone = 'America/St_Johns'");
			assertThat(overlapping(connection, "2019-02")).containsExactly("health_reading_early");
			assertThat(overlapping(connection, "2019-03")).isEmpty();
			assertThat(overlapping(connection, own.toString())).as("its own partition").isEmpty();
			assertThat(overlapping(connection, "2019-06")).isEmpty();
			assertThat(overlapping(connection, "2019-07")).containsExactly("health_reading_late_2019");
			assertThat(overlapping(connection, "2019-12")).containsExactly("health_reading_late_2019");
			assertThat(overlapping(connection, "2029-12")).isEmpty();
			assertThat(overlapping(connection, "2031-05")).containsExactly("health_reading_future");
		}
		finally {
			postgres.execute("DROP TABLE health_reading_early", "DROP TABLE health_reading_late_2019",
					"DROP TABLE health_reading_future", "DROP TABLE health_reading_default");
		}
	}

	/**
	 * The key column comes from the catalogue into the SQL of a month's rows (the
	 * restore's count, the refusal's SQL, the restore table's CHECK): a name that needs
	 * quoting is quoted.
	 */
	@Test
	void aMonthsRowsAreSelectedByAKeyColumnWhoseNameNeedsQuoting() throws Exception {
		postgres.execute("CREATE SCHEMA odd",
				"CREATE TABLE odd.health_score (\"Score Date\" date NOT NULL) PARTITION BY RANGE (\"Score Date\")",
				"CREATE TABLE odd.health_score_default PARTITION OF odd.health_score DEFAULT",
				"INSERT INTO odd.health_score VALUES ('2024-12-31'), ('2025-01-01'), ('2025-01-31'), ('2025-02-01')");
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			statement.execute("SET search_path = odd, public");
			String condition = this.partitions.monthCondition(connection, ArchiveTable.HEALTH_SCORE,
					YearMonth.of(2025, 1));
			assertThat(condition)
				.isEqualTo("\"Score Date\" >= '2025-01-01'::date AND \"Score Date\" < '2025-02-01'::date");
			assertThat(this.partitions.count(connection, "health_score_default", condition)).isEqualTo(2);
			this.partitions.createDetached(connection, ArchiveTable.HEALTH_SCORE, YearMonth.of(2024, 11));
			assertThat(this.partitions.status(connection, ArchiveTable.HEALTH_SCORE, YearMonth.of(2024, 11)))
				.isEqualTo(Status.DETACHED);
		}
		finally {
			postgres.execute("DROP SCHEMA odd CASCADE");
		}
	}

	private List<String> overlapping(Connection connection, String month) throws SQLException {
		return this.partitions.overlapping(connection, ArchiveTable.HEALTH_READING, YearMonth.parse(month));
	}

	@Test
	void anInterruptedConcurrentDetachIsPendingUntilFinished() throws Exception {
		YearMonth month = ensure("health_reading", "2024-08");
		try (Connection reader = postgres.connection();
				Connection detacher = postgres.connection();
				Connection observer = postgres.connection()) {
			reader.setAutoCommit(false);
			count(reader, "health_reading"); // a transaction using the parent: the detach
												// waits for it
			int pid = pid(detacher);
			CompletableFuture<Boolean> detach = CompletableFuture
				.supplyAsync(() -> detach(detacher, ArchiveTable.HEALTH_READING, month));
			await().atMost(Duration.ofSeconds(20))
				.until(() -> this.partitions.status(observer, ArchiveTable.HEALTH_READING, month),
						(status) -> status == Status.DETACH_PENDING);
			queryInt(observer, "SELECT pg_cancel_backend(" + pid + ")::int");
			assertThatExceptionOfType(Exception.class).isThrownBy(detach::join)
				.withMessageContaining("canceling statement due to user request");
			reader.rollback();
			assertThat(this.partitions.status(observer, ArchiveTable.HEALTH_READING, month))
				.isEqualTo(Status.DETACH_PENDING);
			assertThat(this.partitions.attachedMonths(observer, ArchiveTable.HEALTH_READING)).doesNotContain(month);
			this.partitions.finishDetach(observer, ArchiveTable.HEALTH_READING, month);
			assertThat(this.partitions.status(observer, ArchiveTable.HEALTH_READING, month)).isEqualTo(Status.DETACHED);
		}
	}

	@Test
	void aDroppedMonthIsCreatedDetachedAndAttachedWithTheBoundsOfItsKeyType() throws Exception {
		YearMonth month = ensure("health_score", "2024-09");
		try (Connection connection = postgres.connection()) {
			this.partitions.detach(connection, ArchiveTable.HEALTH_SCORE, month);
			this.partitions.drop(connection, ArchiveTable.HEALTH_SCORE, month);
			assertThat(this.partitions.status(connection, ArchiveTable.HEALTH_SCORE, month)).isEqualTo(Status.MISSING);
			connection.setAutoCommit(false);
			this.partitions.createDetached(connection, ArchiveTable.HEALTH_SCORE, month);
			try (Statement statement = connection.createStatement()) {
				statement.execute("INSERT INTO health_score_2024_09 (user_id, score_date, completeness,"
						+ " algorithm_version, inputs_as_of) VALUES (1, '2024-09-30', 1, 1, now())");
			}
			this.partitions.attach(connection, ArchiveTable.HEALTH_SCORE, month);
			connection.commit();
			assertThat(this.partitions.status(connection, ArchiveTable.HEALTH_SCORE, month)).isEqualTo(Status.ATTACHED);
			assertThat(count(connection, "health_score WHERE score_date = '2024-09-30'")).isEqualTo(1);
			assertThat(count(connection, "pg_indexes WHERE tablename = 'health_score_2024_09'")).isEqualTo(1);
		}
	}

	@Test
	void aMonthCreatedToRestoreRefusesRowsOutsideItAndIsAttachedWithoutReadingItsRowsAgain() throws Exception {
		YearMonth readings = ensure("health_reading", "2024-10");
		YearMonth scores = ensure("health_score", "2024-10");
		try (Connection real = postgres.connection()) {
			List<String> notices = new ArrayList<>();
			Connection connection = noticesKept(real, notices);
			for (ArchiveTable table : List.of(ArchiveTable.HEALTH_READING, ArchiveTable.HEALTH_SCORE)) {
				YearMonth month = (table == ArchiveTable.HEALTH_READING) ? readings : scores;
				String partition = table.partitionName(month);
				this.partitions.detach(connection, table, month);
				this.partitions.drop(connection, table, month);
				connection.setAutoCommit(false);
				this.partitions.createDetached(connection, table, month);
				String row = (table == ArchiveTable.HEALTH_READING)
						? "INSERT INTO " + partition + " VALUES (1, 'steps', '%s', 1, 'p')"
						: "INSERT INTO " + partition + " (user_id, score_date, completeness, algorithm_version,"
								+ " inputs_as_of) VALUES (1, '%s', 1, 1, now())";
				String first = (table == ArchiveTable.HEALTH_READING) ? "2024-10-01 00:00:00+00" : "2024-10-01";
				String last = (table == ArchiveTable.HEALTH_READING) ? "2024-10-31 23:59:59.999999+00" : "2024-10-31";
				String next = (table == ArchiveTable.HEALTH_READING) ? "2024-11-01 00:00:00+00" : "2024-11-01";
				execute(connection, row.formatted(first), row.formatted(last), "SAVEPOINT loaded");
				assertThatExceptionOfType(SQLException.class).isThrownBy(() -> execute(connection, row.formatted(next)))
					.withMessageContaining(ArchivePartitions.boundCheckName(table, month));
				execute(connection, "ROLLBACK TO SAVEPOINT loaded", "SET client_min_messages = debug1");
				this.partitions.attach(connection, table, month);
				execute(connection, "RESET client_min_messages");
				connection.commit();
				connection.setAutoCommit(true);
				assertThat(notices)
					.contains("partition constraint for table \"" + partition + "\" is implied by existing constraints")
					.doesNotContain("verifying table \"" + partition + "\"");
				assertThat(count(connection, partition)).isEqualTo(2);
				// the helper is gone; the primary key came with the attach
				assertThat(constraints(connection, partition)).containsExactly(partition + "_pkey");
			}
		}
	}

	/**
	 * A connection whose statements keep the notices PostgreSQL sent them (such as
	 * {@code DEBUG} messages) before they are closed.
	 */
	private static Connection noticesKept(Connection real, List<String> notices) throws SQLException {
		Connection connection = mock(Connection.class, delegatesTo(real));
		doAnswer((invocation) -> {
			Statement statement = real.createStatement();
			Statement kept = mock(Statement.class, delegatesTo(statement));
			doAnswer((close) -> {
				for (SQLWarning warning = statement.getWarnings(); warning != null; warning = warning
					.getNextWarning()) {
					notices.add(warning.getMessage());
				}
				statement.close();
				return null;
			}).when(kept).close();
			return kept;
		}).when(connection).createStatement();
		return connection;
	}

	/**
	 * A table never analyzed has no row estimate; the planner's guess from its pages is
	 * no count (an empty table's is ten pages of rows). A small one is counted, a bigger
	 * one's rows are unknown; once analyzed, the estimate is its count.
	 */
	@Test
	void aTableNeverAnalyzedIsCountedWhenSmallAndItsRowsAreUnknownOtherwise() throws Exception {
		try (Connection connection = postgres.connection()) {
			execute(connection, "CREATE TABLE never_analyzed (id bigint, note text)");
			assertThat(this.partitions.size(connection, "never_analyzed")).isEqualTo(new ArchivePartitions.TableSize(0,
					ArchivePartitions.RowCount.COUNTED, this.partitions.size(connection, "never_analyzed").bytes()));
			execute(connection,
					"INSERT INTO never_analyzed SELECT i, repeat('x', 100) FROM generate_series(1, 1000) i");
			ArchivePartitions.TableSize counted = this.partitions.size(connection, "never_analyzed");
			assertThat(counted.rows()).isEqualTo(1000);
			assertThat(counted.rowCount()).isEqualTo(ArchivePartitions.RowCount.COUNTED);
			ArchivePartitions.TableSize big = this.partitions.size(connection, "never_analyzed", 8192);
			assertThat(big.rows()).isEqualTo(-1);
			assertThat(big.rowCount()).isEqualTo(ArchivePartitions.RowCount.UNKNOWN);
			execute(connection, "ANALYZE never_analyzed");
			ArchivePartitions.TableSize estimated = this.partitions.size(connection, "never_analyzed", 8192);
			assertThat(estimated.rows()).isEqualTo(1000);
			assertThat(estimated.rowCount()).isEqualTo(ArchivePartitions.RowCount.ESTIMATED);
			assertThat(this.partitions.size(connection, "no_such_table")).isNull();
		}
	}

	private static void execute(Connection connection, String... statements) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			for (String sql : statements) {
				statement.execute(sql);
			}
		}
	}

	/** The names of a table's constraints other than NOT NULL, in order. */
	private static List<String> constraints(Connection connection, String table) throws SQLException {
		List<String> names = new ArrayList<>();
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT conname FROM pg_constraint WHERE conrelid = '" + table
						+ "'::regclass AND contype <> 'n' ORDER BY conname")) {
			while (result.next()) {
				names.add(result.getString(1));
			}
		}
		return names;
	}

	private boolean detach(Connection connection, ArchiveTable table, YearMonth month) {
		try {
			return this.partitions.detach(connection, table, month);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex.getMessage(), ex);
		}
	}

	private static YearMonth ensure(String table, String month) throws SQLException {
		postgres.execute("SELECT healthscore_ensure_partitions('" + table + "', DATE '" + month + "-01', DATE '" + month
				+ "-01')");
		return YearMonth.parse(month);
	}

	private static int pid(Connection connection) throws SQLException {
		return queryInt(connection, "SELECT pg_backend_pid()");
	}

	private static int queryInt(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
			result.next();
			return result.getInt(1);
		}
	}

	private static long count(Connection connection, String from) throws SQLException {
		return queryInt(connection, "SELECT count(*) FROM " + from);
	}

}
