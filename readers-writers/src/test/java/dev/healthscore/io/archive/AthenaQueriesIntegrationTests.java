package dev.healthscore.io.archive;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.io.testing.TestPostgres;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.EnumSource.Mode;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Runs the example analyst queries of {@code sql/athena/queries/} (every file there) on
 * the archived files with DuckDB, which reads Parquet and Hive partition folders as
 * Athena does, and compares the answers with the same queries on PostgreSQL before
 * archiving. The only adaptation is where each engine finds the tables: DuckDB views over
 * {@code read_parquet}, PostgreSQL views of the shape of Athena's tables
 * ({@link AthenaShapedViews}), whose columns both engines are held to.
 */
class AthenaQueriesIntegrationTests {

	private static final String BUCKET = "athena";

	/** DuckDB's names of the types Athena reads Parquet's as. */
	private static final Map<Object, String> DUCKDB_TO_ATHENA = Map.of("BIGINT", "bigint", "INTEGER", "int", "VARCHAR",
			"string", "DOUBLE", "double", "FLOAT", "float", "DATE", "date", "TIMESTAMP WITH TIME ZONE", "timestamp");

	private static TestPostgres postgres;

	@TempDir
	static Path archive;

	@BeforeAll
	static void archiveTwoMonths() throws Exception {
		postgres = TestPostgres.start();
		postgres.seedJanuary2025(60, 30);
		postgres.execute("SELECT healthscore_ensure_partitions('health_reading', DATE '2024-12-01', DATE '2024-12-01')",
				"SELECT healthscore_ensure_partitions('health_score', DATE '2024-12-01', DATE '2024-12-01')",
				"INSERT INTO health_reading SELECT user_id, metric, recorded_at - interval '31 days', value, source,"
						+ " ingested_at - interval '31 days' FROM health_reading_2025_01 WHERE user_id BETWEEN 20 AND 50",
				"INSERT INTO health_score SELECT user_id, score_date - 31, score, activity_score, sleep_score, heart_score,"
						+ " completeness, algorithm_version, inputs_as_of, computed_at FROM health_score_2025_01"
						+ " WHERE user_id BETWEEN 20 AND 50");
		try (EmbeddedS3Server server = EmbeddedS3Server.inMemory();
				S3Client s3 = server.newClient();
				Connection connection = postgres.connection()) {
			server.createBucket(BUCKET);
			PartitionExporter exporter = new PartitionExporter(s3,
					ArchiveSettings.builder(BUCKET).prefix("v1").build());
			for (YearMonth month : List.of(YearMonth.of(2024, 12), YearMonth.of(2025, 1))) {
				exporter.export(connection, ArchiveTable.HEALTH_READING, month, null);
				exporter.export(connection, ArchiveTable.HEALTH_SCORE, month, null);
			}
			exporter.exportSnapshot(connection, ArchiveTable.APP_USER, null);
			download(s3, "v1/");
		}
		// December as a build before manifest format 4 wrote it, beside January's files
		// of
		// today: what an archive holds once it has months of both
		rewriteWithoutFingerprintColumns(archive.resolve("v1/health_score/month=2024-12"));
		postgres.execute("CREATE SCHEMA athena", AthenaShapedViews.create("athena", ArchiveTable.HEALTH_READING, null),
				AthenaShapedViews.create("athena", ArchiveTable.HEALTH_SCORE, null),
				AthenaShapedViews.create("athena", ArchiveTable.APP_USER, null));
	}

	static List<String> queryFiles() throws IOException {
		List<String> files = AthenaShapedViews.queryFiles();
		assertThat(files).isNotEmpty();
		return files;
	}

	@AfterAll
	static void stopDatabase() throws IOException {
		postgres.close();
	}

	@ParameterizedTest
	@EnumSource(value = ArchiveTable.class, names = "HEALTH_SCORE_WITHOUT_FINGERPRINTS", mode = Mode.EXCLUDE)
	void bothEnginesSeeTheColumnsAndTypesTheAthenaDdlDeclares(ArchiveTable table) throws Exception {
		List<String> declared = new ArrayList<>(AthenaDdlTests.declaredColumns(table));
		if (table.partitioned()) {
			declared.add("month string");
		}
		List<String> names = declared.stream().map((column) -> column.split(" ")[0]).toList();
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			assertThat(rows(statement,
					"SELECT column_name FROM information_schema.columns WHERE table_schema = 'athena'"
							+ " AND table_name = '" + table.tableName() + "' ORDER BY ordinal_position"))
				.as("PostgreSQL view " + table.tableName())
				.extracting((row) -> row.get(0))
				.containsExactlyElementsOf(names);
		}
		try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
				Statement statement = connection.createStatement()) {
			createParquetViews(statement);
			// the types DuckDB reads from the files written, in Athena's names
			assertThat(rows(statement, "DESCRIBE " + table.tableName())).as("Parquet files of " + table.tableName())
				.extracting((row) -> row.get(0) + " " + DUCKDB_TO_ATHENA.getOrDefault(row.get(1), "? " + row.get(1)))
				.containsExactlyElementsOf(declared);
		}
	}

	@Test
	void monthsArchivedWithoutFingerprintColumnsReadThemAsNullBesideLaterMonths() throws Exception {
		String query = "SELECT month, count(*), count(input_count), count(input_hash), count(row_hash)"
				+ " FROM health_score GROUP BY month ORDER BY month";
		List<List<Object>> expected;
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			statement.execute("SET search_path TO athena, public");
			expected = rows(statement, query);
		}
		try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
				Statement statement = connection.createStatement()) {
			createParquetViews(statement);
			assertThat(rows(statement, query)).isEqualTo(expected);
		}
		assertThat(expected).hasSize(2)
			.first()
			.satisfies((december) -> assertThat(december.subList(2, 5)).containsOnly(BigDecimal.ZERO));
		assertThat(expected.get(1).get(2)).isNotEqualTo(BigDecimal.ZERO);
	}

	@ParameterizedTest
	@MethodSource("queryFiles")
	void queryOnArchiveAnswersAsPostgresBeforeArchiving(String file) throws Exception {
		String query = AthenaDdlTests.resource("athena/queries/" + file).strip().replaceAll(";$", "");
		List<List<Object>> expected;
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			statement.execute("SET search_path TO athena, public");
			expected = rows(statement, query);
		}
		List<List<Object>> actual;
		try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
				Statement statement = connection.createStatement()) {
			createParquetViews(statement);
			actual = rows(statement, query);
		}
		assertThat(expected).hasSizeGreaterThan(1);
		assertThat(actual).hasSameSizeAs(expected);
		for (int i = 0; i < expected.size(); i++) {
			assertSameRow(actual.get(i), expected.get(i), file + " row " + i);
		}
	}

	private static void createParquetViews(Statement statement) throws SQLException, IOException {
		Path root = archive.resolve("v1");
		for (ArchiveTable table : List.of(ArchiveTable.HEALTH_READING, ArchiveTable.HEALTH_SCORE,
				ArchiveTable.APP_USER)) {
			statement.execute(AthenaShapedViews.duckDb(root, table));
		}
	}

	/**
	 * Writes the files of a health_score month again as builds before manifest format 4
	 * did, without the fingerprint columns, which must be NULL in them.
	 */
	private static void rewriteWithoutFingerprintColumns(Path month) throws IOException {
		List<Path> files;
		try (var list = Files.list(month)) {
			files = list.filter((file) -> file.toString().endsWith(".parquet")).toList();
		}
		assertThat(files).isNotEmpty();
		ArchiveTable older = ArchiveTable.HEALTH_SCORE_WITHOUT_FINGERPRINTS;
		for (Path file : files) {
			List<Object[]> rows = new ArrayList<>();
			ArchiveParquetFiles.read(new LocalInputFile(file), ArchiveTable.HEALTH_SCORE, rows::add);
			Files.delete(file);
			try (ArchiveParquetWriter writer = ArchiveParquetFiles.newWriter(new LocalOutputFile(file), older,
					ArchiveSettings.builder(BUCKET).build(), Map.of())) {
				for (Object[] row : rows) {
					assertThat(Arrays.copyOfRange(row, older.columns().size(), row.length)).containsOnlyNulls();
					writer.write(Arrays.copyOf(row, older.columns().size()));
				}
			}
		}
	}

	private static void download(S3Client s3, String prefix) throws IOException {
		for (S3Object object : s3.listObjectsV2Paginator((request) -> request.bucket(BUCKET).prefix(prefix))
			.contents()) {
			Path target = archive.resolve(object.key());
			Files.createDirectories(target.getParent());
			Files.write(target,
					s3.getObjectAsBytes((request) -> request.bucket(BUCKET).key(object.key())).asByteArray());
		}
	}

	private static List<List<Object>> rows(Statement statement, String query) throws SQLException {
		List<List<Object>> rows = new ArrayList<>();
		try (ResultSet result = statement.executeQuery(query)) {
			ResultSetMetaData metaData = result.getMetaData();
			while (result.next()) {
				List<Object> row = new ArrayList<>();
				for (int i = 1; i <= metaData.getColumnCount(); i++) {
					row.add(normalized(result.getObject(i)));
				}
				rows.add(row);
			}
		}
		return rows;
	}

	private static Object normalized(Object value) {
		if (value instanceof Number number) {
			return new BigDecimal(number.toString());
		}
		if (value instanceof Timestamp timestamp) {
			return timestamp.toInstant().toString();
		}
		if (value instanceof OffsetDateTime dateTime) {
			return dateTime.toInstant().toString();
		}
		return (value != null) ? value.toString() : null;
	}

	private static void assertSameRow(List<Object> actual, List<Object> expected, String description) {
		assertThat(actual).as(description).hasSameSizeAs(expected);
		for (int i = 0; i < expected.size(); i++) {
			if (expected.get(i) instanceof BigDecimal number && actual.get(i) instanceof BigDecimal other) {
				// PostgreSQL averages in exact numeric, DuckDB (like Athena) in double
				assertThat(other).as(description).isCloseTo(number, within(new BigDecimal("0.01")));
			}
			else {
				assertThat(actual.get(i)).as(description).isEqualTo(expected.get(i));
			}
		}
	}

}
