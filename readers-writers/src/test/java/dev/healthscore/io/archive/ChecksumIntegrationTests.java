package dev.healthscore.io.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import dev.healthscore.io.jdbc.PgHashes;
import dev.healthscore.io.testing.TestPostgres;
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
	void javaPortOfHashtextextendedAgreesWithPostgresqlForEveryLength() throws SQLException {
		// every length up to 40 bytes, so each of the 0–11 trailing bytes paths is taken
		List<String> texts = new ArrayList<>();
		for (int length = 0; length <= 40; length++) {
			texts.add("a".repeat(length));
			texts.add("ü€𝄞|" + "b".repeat(length));
		}
		try (Connection connection = postgres.connection();
				PreparedStatement statement = connection.prepareStatement("SELECT hashtextextended(?, 0)")) {
			for (String text : texts) {
				statement.setString(1, text);
				try (ResultSet result = statement.executeQuery()) {
					result.next();
					byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
					assertThat(PgHashes.bytes(utf8, 0, utf8.length, 0)).as(text).isEqualTo(result.getLong(1));
				}
			}
		}
		assertThat(texts.stream().map((text) -> text.getBytes(StandardCharsets.UTF_8).length % 12).distinct())
			.hasSize(12);
	}

	@Test
	void pgjdbcBinaryTransferKeepsNanPayloadWhileTextTransferCanonicalizesIt() throws SQLException {
		String sql = "SELECT value, encode(float8send(value), 'hex') FROM health_reading WHERE source IN"
				+ " ('edge', 'computed') AND value IS NOT NULL ORDER BY user_id, recorded_at";
		assertThat(bits(sql, "-1")).allSatisfy((pair) -> assertThat(pair[0]).isEqualTo(pair[1]))
			.extracting((pair) -> pair[1])
			.contains("7ff8000000000000", "fff8000000000000", "8000000000000000", "7ff0000000000000",
					"fff0000000000000");
		assertThat(bits(sql, "0")).filteredOn((pair) -> pair[1].equals("fff8000000000000"))
			.singleElement()
			.satisfies((pair) -> assertThat(pair[0]).isEqualTo("7ff8000000000000"));
	}

	/**
	 * Returns, per row, the bits Java received and the bits PostgreSQL sent.
	 * @param prepareThreshold {@code 0} for text transfer, {@code -1} for binary
	 */
	private static List<String[]> bits(String sql, String prepareThreshold) throws SQLException {
		List<String[]> pairs = new ArrayList<>();
		try (Connection connection = connect(prepareThreshold);
				PreparedStatement statement = connection.prepareStatement(sql);
				ResultSet result = statement.executeQuery()) {
			while (result.next()) {
				pairs.add(new String[] { String.format("%016x", Double.doubleToRawLongBits(result.getDouble(1))),
						result.getString(2) });
			}
		}
		return pairs;
	}

	private static void assertSameRowTextsAndChecksum(ArchiveTable table, String relation) throws Exception {
		List<String> sqlTexts = queryStrings(
				"SELECT " + ChecksumSql.rowText(table) + " FROM " + relation + " ORDER BY " + table.orderBy());
		List<String> sqlHashes = queryStrings("SELECT hashtextextended(" + ChecksumSql.rowText(table) + ", 0) FROM "
				+ relation + " ORDER BY " + table.orderBy());
		List<String> javaTexts = new ArrayList<>();
		List<String> javaHashes = new ArrayList<>();
		RowChecksum javaChecksum = new RowChecksum(table);
		try (Connection connection = postgres.connection();
				PGCopyInputStream copy = new PGCopyInputStream(connection.unwrap(PGConnection.class),
						"COPY (SELECT " + table.columnList() + " FROM " + relation + " ORDER BY " + table.orderBy()
								+ ") TO STDOUT (FORMAT binary)")) {
			PgBinaryCopy.Reader reader = new PgBinaryCopy.Reader(copy, table);
			for (Object[] row = reader.next(); row != null; row = reader.next()) {
				javaTexts.add(RowChecksum.canonicalText(table, row));
				javaChecksum.add(row);
				javaHashes.add(Long.toString(javaChecksum.hash(row)));
			}
		}
		assertThat(javaTexts).isNotEmpty().containsExactlyElementsOf(sqlTexts);
		assertThat(javaHashes).containsExactlyElementsOf(sqlHashes);
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
