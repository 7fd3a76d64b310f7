package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Runs the example analyst queries of {@code sql/athena/queries/} unchanged on DuckDB
 * over an archive's Parquet files (downloaded from S3, Hive folders as Athena reads them)
 * and on PostgreSQL through views of Athena's shape, and compares the answers.
 */
final class AthenaQueries {

	static final List<String> FILES = List.of("monthly_average_score_by_time_zone.sql", "user_score_history.sql",
			"readings_per_metric_per_month.sql", "user_readings_per_metric.sql");

	private AthenaQueries() {
	}

	/**
	 * Answers of PostgreSQL over the months before {@code cutOff} ({@code YYYY-MM-DD}).
	 */
	static Map<String, List<List<Object>>> onPostgres(DataSource dataSource, String cutOff) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE SCHEMA athena");
			statement.execute("CREATE VIEW athena.health_reading AS SELECT user_id, metric,"
					+ " date_trunc('milliseconds', recorded_at) AS recorded_at, " + micros("recorded_at")
					+ ", value, source, date_trunc('milliseconds', ingested_at) AS ingested_at, "
					+ micros("ingested_at")
					+ ", to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month FROM public.health_reading"
					+ " WHERE recorded_at < '" + cutOff + " 00:00:00+00'");
			statement.execute("CREATE VIEW athena.health_score AS SELECT *, to_char(score_date, 'YYYY-MM') AS month"
					+ " FROM public.health_score WHERE score_date < '" + cutOff + "'");
			statement.execute("SET search_path TO athena, public");
			try {
				return answers(statement);
			}
			finally {
				statement.execute("RESET search_path");
			}
		}
	}

	/** Answers of DuckDB over the objects under a prefix, downloaded to a folder. */
	static Map<String, List<List<Object>>> onDuckDb(S3Client s3, String bucket, String prefix, Path folder)
			throws IOException, SQLException {
		for (S3Object object : s3.listObjectsV2Paginator((request) -> request.bucket(bucket).prefix(prefix + "/"))
			.contents()) {
			Path target = folder.resolve(object.key());
			Files.createDirectories(target.getParent());
			Files.write(target,
					s3.getObjectAsBytes((request) -> request.bucket(bucket).key(object.key())).asByteArray());
		}
		Path root = folder.resolve(prefix);
		try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
				Statement statement = connection.createStatement()) {
			statement.execute(view(root, "health_reading", "health_reading/*/*.parquet", true));
			statement.execute(view(root, "health_score", "health_score/*/*.parquet", true));
			statement.execute(view(root, "app_user", "app_user/*.parquet", false));
			return answers(statement);
		}
	}

	static void assertSameAnswers(Map<String, List<List<Object>>> actual, Map<String, List<List<Object>>> expected) {
		assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
		expected.forEach((file, rows) -> {
			assertThat(actual.get(file)).as(file).hasSameSizeAs(rows);
			for (int i = 0; i < rows.size(); i++) {
				List<Object> want = rows.get(i);
				List<Object> got = actual.get(file).get(i);
				for (int c = 0; c < want.size(); c++) {
					if (want.get(c) instanceof BigDecimal number && got.get(c) instanceof BigDecimal other) {
						// PostgreSQL averages in exact numeric, DuckDB (like Athena) in
						// double
						assertThat(other).as(file + " row " + i).isCloseTo(number, within(new BigDecimal("0.01")));
					}
					else {
						assertThat(got.get(c)).as(file + " row " + i).isEqualTo(want.get(c));
					}
				}
			}
		});
	}

	private static Map<String, List<List<Object>>> answers(Statement statement) throws SQLException {
		Map<String, List<List<Object>>> answers = new LinkedHashMap<>();
		for (String file : FILES) {
			answers.put(file, rows(statement, query(file)));
		}
		return answers;
	}

	private static String query(String file) {
		try (InputStream in = AthenaQueries.class.getResourceAsStream("/athena/queries/" + file)) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip().replaceAll(";$", "");
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read query " + file, ex);
		}
	}

	private static String micros(String column) {
		return "(extract(epoch FROM " + column + ") * 1000000)::bigint AS " + column + "_micros";
	}

	private static String view(Path root, String name, String glob, boolean partitioned) {
		String path = root.resolve(glob).toString().replace("'", "''");
		String options = partitioned ? ", hive_partitioning = true, hive_types = {'month': VARCHAR}" : "";
		return "CREATE VIEW " + name + " AS SELECT * FROM read_parquet('" + path + "'" + options + ")";
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

}
