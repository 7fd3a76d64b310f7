package dev.healthscore.io.archive;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.YearMonth;
import java.util.concurrent.CompletableFuture;

import dev.healthscore.io.archive.ArchivePartitions.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Detaching, finishing an interrupted detach, dropping, and re-creating and attaching
 * monthly partitions on a real PostgreSQL.
 */
class ArchivePartitionsIntegrationTests {

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
