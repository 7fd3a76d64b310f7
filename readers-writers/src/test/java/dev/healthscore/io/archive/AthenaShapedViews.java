package dev.healthscore.io.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * PostgreSQL views that give the archived tables the shape of Athena's, so that the
 * example queries of {@code sql/athena/queries/} run on PostgreSQL unchanged: the columns
 * of the Parquet files ({@link ArchiveParquetSchema}), each timestamp truncated to the
 * millisecond beside its exact {@code _micros}, and the {@code month} of the folders; and
 * DuckDB views over the files of an archive that Athena reads.
 */
final class AthenaShapedViews {

	/**
	 * The example queries, in the source tree (the tests read them from the classpath).
	 */
	static final Path QUERIES = Path.of("..", "sql", "athena", "queries");

	private AthenaShapedViews() {
	}

	/**
	 * Returns the file names of the example queries.
	 * @return every {@code .sql} file of {@link #QUERIES}, sorted
	 */
	static List<String> queryFiles() throws IOException {
		try (Stream<Path> files = Files.list(QUERIES)) {
			return files.map((file) -> file.getFileName().toString())
				.filter((name) -> name.endsWith(".sql"))
				.sorted()
				.toList();
		}
	}

	/**
	 * Returns the statement that creates a table's view in a schema.
	 * @param schema the schema of the views
	 * @param table the archived table
	 * @param condition a condition on the PostgreSQL table's rows, or null for all
	 * @return the {@code CREATE VIEW} statement
	 */
	static String create(String schema, ArchiveTable table, String condition) {
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
		if (table.partitioned()) {
			columns.add("to_char(" + monthOf(table) + ", 'YYYY-MM') AS month");
		}
		return "CREATE VIEW " + schema + "." + table.tableName() + " AS SELECT " + String.join(", ", columns)
				+ " FROM public." + table.tableName() + ((condition != null) ? " WHERE " + condition : "");
	}

	/**
	 * Returns the statement that creates a DuckDB view of a table over the files that
	 * Athena would read of an archive downloaded to a folder: with partition projection,
	 * the files of each {@code month=} folder, otherwise those of the table's folder, in
	 * both cases every file whose name does not start with {@code _} or {@code .} (Hive's
	 * hidden files), whatever it ends with. A file there that is not Parquet fails the
	 * view as it fails an Athena query ({@code HIVE_BAD_DATA}). The view has the table's
	 * columns, found in each file by name, NULL in a file without them, as Athena reads
	 * them.
	 * @param root the folder of the archive's prefix
	 * @param table the archived table
	 * @return the {@code CREATE VIEW} statement
	 */
	static String duckDb(Path root, ArchiveTable table) throws IOException {
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

	/** The value whose month names the table's folder (DESIGN.md section 6). */
	private static String monthOf(ArchiveTable table) {
		return switch (table) {
			case HEALTH_READING -> "recorded_at AT TIME ZONE 'UTC'";
			case HEALTH_SCORE -> "score_date";
			default -> throw new IllegalArgumentException("No month folders for " + table);
		};
	}

}
