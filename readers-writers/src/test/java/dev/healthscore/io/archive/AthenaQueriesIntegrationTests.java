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
import java.util.List;

import dev.healthscore.io.s3.EmbeddedS3Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Runs the example analyst queries of {@code sql/athena/queries/} on the archived files
 * with DuckDB, which reads Parquet and Hive partition folders as Athena does, and
 * compares the answers with the same queries on PostgreSQL before archiving. The only
 * adaptation is where each engine finds the tables: DuckDB views over
 * {@code read_parquet}, PostgreSQL views that add the {@code month} partition column.
 */
class AthenaQueriesIntegrationTests {

	private static final String BUCKET = "athena";

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
		// views that give PostgreSQL's tables the shape of Athena's: month column,
		// millisecond
		// timestamps and exact microseconds beside them
		postgres.execute("CREATE SCHEMA athena", "CREATE VIEW athena.health_reading AS SELECT user_id, metric,"
				+ " date_trunc('milliseconds', recorded_at) AS recorded_at, " + micros("recorded_at")
				+ ", value, source, date_trunc('milliseconds', ingested_at) AS ingested_at, " + micros("ingested_at")
				+ ", to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month" + " FROM public.health_reading",
				"CREATE VIEW athena.health_score AS SELECT *, to_char(score_date, 'YYYY-MM') AS month FROM public.health_score");
	}

	private static String micros(String column) {
		return "(extract(epoch FROM " + column + ") * 1000000)::bigint AS " + column + "_micros";
	}

	@AfterAll
	static void stopDatabase() throws IOException {
		postgres.close();
	}

	@ParameterizedTest
	@ValueSource(strings = { "monthly_average_score_by_time_zone.sql", "user_score_history.sql",
			"readings_per_metric_per_month.sql", "user_readings_per_metric.sql" })
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
			statement.execute(parquetView("health_reading", "health_reading/*/*.parquet", true));
			statement.execute(parquetView("health_score", "health_score/*/*.parquet", true));
			statement.execute(parquetView("app_user", "app_user/*.parquet", false));
			actual = rows(statement, query);
		}
		assertThat(expected).hasSizeGreaterThan(1);
		assertThat(actual).hasSameSizeAs(expected);
		for (int i = 0; i < expected.size(); i++) {
			assertSameRow(actual.get(i), expected.get(i), file + " row " + i);
		}
	}

	private static String parquetView(String name, String glob, boolean partitioned) {
		String path = archive.resolve("v1").resolve(glob).toString().replace("'", "''");
		String options = partitioned ? ", hive_partitioning = true, hive_types = {'month': VARCHAR}" : "";
		return "CREATE VIEW " + name + " AS SELECT * FROM read_parquet('" + path + "'" + options + ")";
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
