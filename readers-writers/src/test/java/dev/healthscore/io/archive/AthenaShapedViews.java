package dev.healthscore.io.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * PostgreSQL views that give the archived tables the shape of Athena's, so that the
 * example queries of {@code sql/athena/queries/} run on PostgreSQL unchanged: the columns
 * of the Parquet files ({@link ArchiveParquetSchema}), each timestamp truncated to the
 * millisecond beside its exact {@code _micros}, and the {@code month} of the folders.
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

	/** The value whose month names the table's folder (DESIGN.md section 6). */
	private static String monthOf(ArchiveTable table) {
		return switch (table) {
			case HEALTH_READING -> "recorded_at AT TIME ZONE 'UTC'";
			case HEALTH_SCORE -> "score_date";
			default -> throw new IllegalArgumentException("No month folders for " + table);
		};
	}

}
