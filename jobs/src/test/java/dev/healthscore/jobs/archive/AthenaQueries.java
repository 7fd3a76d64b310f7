package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveColumn;
import dev.healthscore.io.archive.ArchiveParquetSchema;
import dev.healthscore.io.archive.ArchiveTable;
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

	/** The example queries, in the source tree (read from the classpath). */
	private static final Path QUERIES = Path.of("..", "sql", "athena", "queries");

	private AthenaQueries() {
	}

	/**
	 * Answers of PostgreSQL over the months before {@code cutOff} ({@code YYYY-MM-DD}).
	 */
	static Map<String, List<List<Object>>> onPostgres(DataSource dataSource, String cutOff) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE SCHEMA athena");
			statement.execute(view(ArchiveTable.HEALTH_READING, "recorded_at AT TIME ZONE 'UTC'",
					"recorded_at < '" + cutOff + " 00:00:00+00'"));
			statement.execute(view(ArchiveTable.HEALTH_SCORE, "score_date", "score_date < '" + cutOff + "'"));
			statement.execute(view(ArchiveTable.APP_USER, null, null));
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
			for (ArchiveTable table : List.of(ArchiveTable.HEALTH_READING, ArchiveTable.HEALTH_SCORE,
					ArchiveTable.APP_USER)) {
				statement.execute(view(root, table));
			}
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
		for (String file : files()) {
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

	/** Every example query: a new file is run without a change here. */
	private static List<String> files() {
		try (Stream<Path> files = Files.list(QUERIES)) {
			List<String> names = files.map((file) -> file.getFileName().toString())
				.filter((name) -> name.endsWith(".sql"))
				.sorted()
				.toList();
			assertThat(names).as("queries in " + QUERIES).isNotEmpty();
			return names;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A view of the shape of Athena's table: the columns of the Parquet files, each
	 * timestamp truncated to the millisecond beside its exact {@code _micros}, and the
	 * {@code month} of the folders.
	 */
	private static String view(ArchiveTable table, String month, String condition) {
		List<String> columns = new ArrayList<>();
		for (ArchiveColumn column : table.columns()) {
			String name = column.name();
			if (column.type() == ArchiveColumn.Type.TIMESTAMPTZ) {
				columns.add("date_trunc('milliseconds', " + name + ") AS " + name);
				columns.add("(extract(epoch FROM " + name + ") * 1000000)::bigint AS " + name
						+ ArchiveColumn.MICROS_SUFFIX);
			}
			else {
				columns.add(name);
			}
		}
		if (month != null) {
			columns.add("to_char(" + month + ", 'YYYY-MM') AS month");
		}
		return "CREATE VIEW athena." + table.tableName() + " AS SELECT " + String.join(", ", columns) + " FROM public."
				+ table.tableName() + ((condition != null) ? " WHERE " + condition : "");
	}

	/**
	 * A DuckDB view over the files Athena reads: with partition projection, those of each
	 * {@code month=} folder, otherwise those of the table's folder, every file whose name
	 * does not start with {@code _} or {@code .} (Hive's hidden files) whatever it ends
	 * with, so that a file there that is not Parquet fails as it fails Athena; with the
	 * table's columns, NULL in a file without them, as Athena reads them.
	 */
	private static String view(Path root, ArchiveTable table) throws IOException {
		Path folder = root.resolve(table.tableName());
		List<Path> files = new ArrayList<>();
		if (table.partitioned()) {
			try (Stream<Path> months = Files.list(folder)) {
				for (Path month : months.filter((path) -> path.getFileName().toString().startsWith("month="))
					.sorted()
					.toList()) {
					files.addAll(visibleFiles(month));
				}
			}
		}
		else {
			files.addAll(visibleFiles(folder));
		}
		String list = files.stream()
			.map((file) -> "'" + file.toString().replace("'", "''") + "'")
			.collect(Collectors.joining(", ", "[", "]"));
		// Athena maps the table's columns to each file's by name, a column a file lacks
		// (health_score's fingerprints before manifest format 4) reading as NULL
		List<String> columns = new ArrayList<>();
		ArchiveParquetSchema.of(table).getFields().forEach((field) -> columns.add(field.getName()));
		String options = ", union_by_name = true";
		if (table.partitioned()) {
			columns.add("month");
			options += ", hive_partitioning = true, hive_types = {'month': VARCHAR}";
		}
		return "CREATE VIEW " + table.tableName() + " AS SELECT " + String.join(", ", columns) + " FROM read_parquet("
				+ list + options + ")";
	}

	private static List<Path> visibleFiles(Path folder) throws IOException {
		try (Stream<Path> files = Files.list(folder)) {
			return files.filter(Files::isRegularFile).filter((file) -> {
				String name = file.getFileName().toString();
				return !name.startsWith("_") && !name.startsWith(".");
			}).sorted().toList();
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

}
