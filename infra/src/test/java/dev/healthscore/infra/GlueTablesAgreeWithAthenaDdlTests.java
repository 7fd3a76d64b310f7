package dev.healthscore.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Glue tables the stack creates are the ones analysts query in production, and the
 * example queries of {@code sql/athena/queries/} run on them: they must declare every
 * table, column (name and type), partitioning and projection range that the DDL in
 * {@code sql/athena/} declares. infra may not depend on the sql module (DESIGN.md section
 * 2), so the DDL is read from the source tree.
 */
class GlueTablesAgreeWithAthenaDdlTests {

	private static final Path ATHENA_DDL = Path.of("..", "sql", "athena");

	private static final Pattern TABLE = Pattern.compile("CREATE EXTERNAL TABLE IF NOT EXISTS (\\w+) \\(");

	private static final Pattern COLUMN = Pattern.compile("^\\s+(\\w+)\\s+(\\w+)\\s+COMMENT", Pattern.MULTILINE);

	private static final Pattern RANGE = Pattern.compile("'projection\\.month\\.range' = '([^']*)'");

	@Test
	void everyDdlTableHasAGlueTableWithTheSameColumnsPartitioningAndRange() throws IOException {
		List<Path> files;
		try (Stream<Path> list = Files.list(ATHENA_DDL)) {
			files = list.filter((file) -> file.toString().endsWith(".sql")).sorted().toList();
		}
		assertThat(files).isNotEmpty();
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
			assertThat(glueColumns(input)).as(name + " columns").containsExactlyElementsOf(ddlColumns(ddl));
			boolean partitioned = ddl.contains("PARTITIONED BY (month string");
			assertThat(partitionKeys(input)).as(name + " partition keys")
				.isEqualTo(partitioned ? List.of(Map.of("Name", "month", "Type", "string")) : List.of());
			@SuppressWarnings("unchecked")
			Map<String, Object> parameters = (Map<String, Object>) input.getOrDefault("Parameters", Map.of());
			Matcher range = RANGE.matcher(ddl);
			if (range.find()) {
				assertThat(parameters.get("projection.month.range")).as(name + " projection range")
					.isEqualTo(range.group(1));
			}
			else {
				assertThat(parameters).as(name + " parameters").doesNotContainKey("projection.enabled");
			}
		}
		assertThat(glue.values()).extracting((table) -> tableInput(table).get("Name"))
			.containsExactlyInAnyOrderElementsOf(ddlTables);
	}

	private static List<String> ddlColumns(String ddl) {
		String columnsPart = ddl.substring(ddl.indexOf('('), ddl.indexOf("\n)"));
		List<String> columns = new ArrayList<>();
		Matcher matcher = COLUMN.matcher(columnsPart);
		while (matcher.find()) {
			columns.add(matcher.group(1) + " " + matcher.group(2));
		}
		return columns;
	}

	@SuppressWarnings("unchecked")
	private static List<String> glueColumns(Map<String, Object> input) {
		Map<String, Object> storage = (Map<String, Object>) input.get("StorageDescriptor");
		return ((List<Map<String, Object>>) storage.get("Columns")).stream()
			.map((column) -> column.get("Name") + " " + column.get("Type"))
			.toList();
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> partitionKeys(Map<String, Object> input) {
		return (List<Map<String, Object>>) input.getOrDefault("PartitionKeys", List.of());
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
