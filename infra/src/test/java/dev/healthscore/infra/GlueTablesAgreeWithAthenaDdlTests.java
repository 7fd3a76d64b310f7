package dev.healthscore.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Glue tables the stack creates are the ones analysts query in production, and the
 * example queries of {@code sql/athena/queries/} run on them: they must declare every
 * table, column (name, type and comment), partition key, location and table property
 * (partition projection) that the DDL in {@code sql/athena/} declares, the archive's root
 * being the stack's bucket and prefix. infra may not depend on the sql module (DESIGN.md
 * section 2), so the DDL is read from the source tree.
 */
class GlueTablesAgreeWithAthenaDdlTests {

	private static final Path ATHENA_DDL = Path.of("..", "sql", "athena");

	private static final String ARCHIVE_ROOT = "@archive_root@";

	/** The bucket, a reference in the template, as {@link #resolved} writes it. */
	private static final String BUCKET = "<bucket>";

	private static final Pattern TABLE = Pattern.compile("CREATE EXTERNAL TABLE IF NOT EXISTS (\\w+) \\(");

	private static final String COMMENT = "COMMENT '((?:[^']|'')*)'";

	private static final Pattern COLUMN = Pattern.compile("^\\s+(\\w+)\\s+(\\w+)\\s+" + COMMENT, Pattern.MULTILINE);

	private static final Pattern TABLE_COMMENT = Pattern.compile("^" + COMMENT + "$", Pattern.MULTILINE);

	private static final Pattern PARTITION_KEY = Pattern.compile("PARTITIONED BY \\((\\w+) (\\w+) " + COMMENT + "\\)");

	private static final Pattern LOCATION = Pattern.compile("^LOCATION '([^']*)'", Pattern.MULTILINE);

	private static final Pattern PROPERTY = Pattern.compile("^\\s+'([^']*)' = '([^']*)'", Pattern.MULTILINE);

	@Test
	void everyDdlTableHasAGlueTableWithTheSameColumnsAndPartitionKeyCommentsIncluded() throws IOException {
		List<Path> files = ddlFiles();
		Map<String, Map<String, Object>> glue = SynthesizedStack.properties("AWS::Glue::Table");
		List<String> ddlTables = new ArrayList<>();
		for (Path file : files) {
			String ddl = Files.readString(file, StandardCharsets.UTF_8);
			Matcher table = TABLE.matcher(ddl);
			assertThat(table.find()).as(file.toString()).isTrue();
			String name = table.group(1);
			ddlTables.add(name);
			Map<String, Object> input = glueTable(glue, name);
			assertThat(input).as("Glue table for " + file).isNotNull();
			assertThat(glueColumns(storage(input).get("Columns"))).as(name + " columns")
				.containsExactlyElementsOf(ddlColumns(ddl));
			Matcher partitionKey = PARTITION_KEY.matcher(ddl);
			assertThat(glueColumns(input.getOrDefault("PartitionKeys", List.of()))).as(name + " partition keys")
				.isEqualTo(partitionKey.find() ? List.of(column(partitionKey)) : List.of());
		}
		assertThat(glue.values()).extracting((table) -> tableInput(table).get("Name"))
			.containsExactlyInAnyOrderElementsOf(ddlTables);
	}

	@Test
	void everyGlueTableIsDescribedByTheDdlsTableComment() throws IOException {
		Map<String, Map<String, Object>> glue = SynthesizedStack.properties("AWS::Glue::Table");
		for (Path file : ddlFiles()) {
			String ddl = Files.readString(file, StandardCharsets.UTF_8);
			Map<String, Object> input = glueTable(glue, tableName(ddl));
			Matcher comment = TABLE_COMMENT.matcher(ddl);
			assertThat(comment.find()).as(file + " table comment").isTrue();
			assertThat(input.get("Description")).as(file + " description").isEqualTo(unquoted(comment.group(1)));
		}
	}

	@Test
	void everyGlueTableHasTheDdlsLocationAndProjectionUnderTheStacksArchivePrefix() throws IOException {
		String root = "s3://" + BUCKET + "/" + HealthScoreStackProps.ARCHIVE_PREFIX_DEFAULT;
		Map<String, Map<String, Object>> glue = SynthesizedStack.properties("AWS::Glue::Table");
		for (Path file : ddlFiles()) {
			String ddl = Files.readString(file, StandardCharsets.UTF_8);
			Map<String, Object> input = glueTable(glue, tableName(ddl));
			Matcher location = LOCATION.matcher(ddl);
			assertThat(location.find()).as(file + " location").isTrue();
			assertThat(resolved(storage(input).get("Location"))).as(file + " location")
				.isEqualTo(location.group(1).replace(ARCHIVE_ROOT, root));
			Map<String, String> expected = new TreeMap<>(Map.of("EXTERNAL", "TRUE", "classification", "parquet"));
			int properties = ddl.indexOf("TBLPROPERTIES");
			if (properties >= 0) {
				Matcher property = PROPERTY.matcher(ddl.substring(properties));
				while (property.find()) {
					expected.put(property.group(1), property.group(2).replace(ARCHIVE_ROOT, root));
				}
			}
			@SuppressWarnings("unchecked")
			Map<String, Object> parameters = (Map<String, Object>) input.getOrDefault("Parameters", Map.of());
			Map<String, String> actual = new TreeMap<>();
			parameters.forEach((key, value) -> actual.put(key, resolved(value)));
			assertThat(actual).as(file + " table properties").isEqualTo(expected);
			assertThat(ddl).as(file.toString()).contains("\nSTORED AS PARQUET\n");
			assertThat(storage(input)).as(file + " storage")
				.containsEntry("InputFormat", "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
				.containsEntry("SerdeInfo",
						Map.of("SerializationLibrary", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"));
		}
	}

	private static List<Path> ddlFiles() throws IOException {
		List<Path> files;
		try (Stream<Path> list = Files.list(ATHENA_DDL)) {
			files = list.filter((file) -> file.toString().endsWith(".sql")).sorted().toList();
		}
		assertThat(files).isNotEmpty();
		return files;
	}

	private static String tableName(String ddl) {
		Matcher table = TABLE.matcher(ddl);
		assertThat(table.find()).isTrue();
		return table.group(1);
	}

	private static List<String> ddlColumns(String ddl) {
		String columnsPart = ddl.substring(ddl.indexOf('('), ddl.indexOf("\n)"));
		List<String> columns = new ArrayList<>();
		Matcher matcher = COLUMN.matcher(columnsPart);
		while (matcher.find()) {
			columns.add(column(matcher));
		}
		return columns;
	}

	private static String column(Matcher matcher) {
		return matcher.group(1) + " " + matcher.group(2) + " COMMENT '" + unquoted(matcher.group(3)) + "'";
	}

	private static String unquoted(String literal) {
		return literal.replace("''", "'");
	}

	@SuppressWarnings("unchecked")
	private static List<String> glueColumns(Object columns) {
		return ((List<Map<String, Object>>) columns).stream()
			.map((column) -> column.get("Name") + " " + column.get("Type") + " COMMENT '" + column.get("Comment") + "'")
			.toList();
	}

	/**
	 * Returns a template value as a string: an {@code Fn::Join} joined, a reference to
	 * the bucket as {@value #BUCKET}.
	 */
	@SuppressWarnings("unchecked")
	private static String resolved(Object value) {
		if (value instanceof String text) {
			return text;
		}
		Map<String, Object> function = (Map<String, Object>) value;
		if (function.containsKey("Ref")) {
			assertThat(function.get("Ref").toString()).as("reference in a table's location").contains("Bucket");
			return BUCKET;
		}
		List<Object> join = (List<Object>) function.get("Fn::Join");
		assertThat(join).as("template function " + function).isNotNull();
		List<String> parts = ((List<Object>) join.get(1)).stream()
			.map(GlueTablesAgreeWithAthenaDdlTests::resolved)
			.toList();
		return String.join((String) join.get(0), parts);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> storage(Map<String, Object> input) {
		return (Map<String, Object>) input.get("StorageDescriptor");
	}

	private static Map<String, Object> glueTable(Map<String, Map<String, Object>> glue, String name) {
		return glue.values()
			.stream()
			.map(GlueTablesAgreeWithAthenaDdlTests::tableInput)
			.filter((input) -> name.equals(input.get("Name")))
			.findFirst()
			.orElse(null);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> tableInput(Map<String, Object> table) {
		return (Map<String, Object>) table.get("TableInput");
	}

}
