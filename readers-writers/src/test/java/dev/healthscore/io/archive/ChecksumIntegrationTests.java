package dev.healthscore.io.archive;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks that {@link ChecksumSql} in PostgreSQL and {@link RowChecksum} in Java agree,
 * row by row, on rows that break naive checksums, and how PostgreSQL's NaN bits travel.
 */
class ChecksumIntegrationTests {

	private static TestPostgres postgres;

	@BeforeAll
	static void startDatabase() throws Exception {
		postgres = TestPostgres.start();
		postgres.seedJanuary2025(3, 4);
		// a NaN made by arithmetic: on x86 its sign bit is set, unlike the 'NaN'
		// literal's
		postgres.execute("INSERT INTO health_reading VALUES (9, 'steps', '2025-01-05 00:00:00+00',"
				+ " 'Infinity'::float8 * 0, 'computed', '2025-01-05 00:00:00+00')");
	}

	@AfterAll
	static void stopDatabase() throws IOException {
		postgres.close();
	}

	@Test
	void databaseIsUtf8() throws SQLException {
		assertThat(queryStrings("SHOW server_encoding")).containsExactly("UTF8");
	}

	@Test
	void sqlAndJavaAgreeOnEveryReadingRow() throws Exception {
		assertSameRowTextsAndChecksum(ArchiveTable.HEALTH_READING, "health_reading_2025_01");
	}

	@Test
	void sqlAndJavaAgreeOnEveryScoreRow() throws Exception {
		assertSameRowTextsAndChecksum(ArchiveTable.HEALTH_SCORE, "health_score_2025_01");
	}

	@Test
	void sqlAndJavaAgreeOnUsers() throws Exception {
		assertSameRowTextsAndChecksum(ArchiveTable.APP_USER, "app_user");
	}

	@Test
	void binaryCopyKeepsEveryBitWhileTextTransferCanonicalizesNan() throws SQLException {
		String sql = "SELECT value, encode(float8send(value), 'hex') FROM health_reading WHERE source IN"
				+ " ('edge', 'computed') AND value IS NOT NULL ORDER BY user_id, recorded_at";
		List<String> sent = queryStrings("SELECT encode(float8send(value), 'hex') FROM health_reading"
				+ " WHERE source IN ('edge', 'computed') AND value IS NOT NULL ORDER BY user_id, recorded_at");
		assertThat(sent).contains("7ff8000000000000", "8000000000000000", "7ff0000000000000", "fff0000000000000",
				"fff8000000000000");
		for (String prepareThreshold : List.of("0", "-1")) { // 0: text transfer, -1:
																// binary
			List<String> received = new ArrayList<>();
			try (Connection connection = connect(prepareThreshold);
					PreparedStatement statement = connection.prepareStatement(sql);
					ResultSet result = statement.executeQuery()) {
				while (result.next()) {
					double value = result.getDouble(1);
					String bits = String.format("%016x", Double.doubleToRawLongBits(value));
					received.add(Double.isNaN(value) ? "NaN" : bits);
					if (!Double.isNaN(value)) {
						assertThat(bits).isEqualTo(result.getString(2));
					}
				}
			}
			assertThat(received).hasSameSizeAs(sent).contains("NaN", "8000000000000000");
		}
	}

	private static void assertSameRowTextsAndChecksum(ArchiveTable table, String relation) throws Exception {
		List<String> sqlTexts = queryStrings(
				"SELECT " + ChecksumSql.rowText(table) + " FROM " + relation + " ORDER BY " + table.orderBy());
		List<String> javaTexts = new ArrayList<>();
		RowChecksum javaChecksum = new RowChecksum(table);
		try (Connection connection = postgres.connection();
				PGCopyInputStream copy = new PGCopyInputStream(connection.unwrap(PGConnection.class),
						"COPY (SELECT " + table.columnList() + " FROM " + relation + " ORDER BY " + table.orderBy()
								+ ") TO STDOUT (FORMAT binary)")) {
			PgBinaryCopy.Reader reader = new PgBinaryCopy.Reader(copy, table);
			for (Object[] row = reader.next(); row != null; row = reader.next()) {
				javaTexts.add(RowChecksum.canonicalText(table, row));
				javaChecksum.add(row);
			}
		}
		assertThat(javaTexts).isNotEmpty().containsExactlyElementsOf(sqlTexts);
		try (Connection connection = postgres.connection()) {
			assertThat(ChecksumSql.compute(connection, table, relation)).isEqualTo(javaChecksum.result());
		}
	}

	private static List<String> queryStrings(String sql) throws SQLException {
		List<String> values = new ArrayList<>();
		try (Connection connection = postgres.connection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(sql)) {
			while (result.next()) {
				values.add(result.getString(1));
			}
		}
		return values;
	}

	private static Connection connect(String prepareThreshold) throws SQLException {
		try (Connection probe = postgres.connection()) {
			Properties properties = new Properties();
			properties.setProperty("user", probe.getMetaData().getUserName());
			properties.setProperty("prepareThreshold", prepareThreshold);
			return DriverManager.getConnection(probe.getMetaData().getURL(), properties);
		}
	}

}
