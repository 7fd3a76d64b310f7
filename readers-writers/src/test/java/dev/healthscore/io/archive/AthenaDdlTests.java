package dev.healthscore.io.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.EnumSource.Mode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks that the Athena DDL in {@code sql/athena/} declares exactly the columns, in
 * Athena types, that {@link ArchiveParquetSchema} writes, and finds partitions by
 * projection.
 */
class AthenaDdlTests {

	private static final Pattern COLUMN = Pattern.compile("^\\s+(\\w+)\\s+(\\w+)\\s+COMMENT", Pattern.MULTILINE);

	@ParameterizedTest
	@EnumSource(value = ArchiveTable.class, names = "HEALTH_SCORE_WITHOUT_FINGERPRINTS", mode = Mode.EXCLUDE)
	void ddlColumnsMatchParquetSchema(ArchiveTable table) throws IOException {
		List<String> declared = declaredColumns(table);
		List<String> written = ArchiveParquetSchema.of(table)
			.getFields()
			.stream()
			.map((field) -> field.getName() + " " + athenaType(field))
			.toList();
		assertThat(declared).containsExactlyElementsOf(written);
	}

	@ParameterizedTest
	@EnumSource(value = ArchiveTable.class, names = { "HEALTH_READING", "HEALTH_SCORE" })
	void partitionedTablesUseProjectionOverHiveMonthFolders(ArchiveTable table) throws IOException {
		String ddl = resource("athena/" + table.tableName() + ".sql");
		assertThat(ddl).contains("PARTITIONED BY (month string")
			.contains("'projection.enabled' = 'true'")
			.contains("'projection.month.format' = 'yyyy-MM'")
			.contains("'storage.location.template' = '@archive_root@/" + table.tableName() + "/month=${month}/'")
			.contains("'projection.month.range' = '2015-01,NOW'");
	}

	/**
	 * Returns the columns the DDL of a table declares, as {@code name type}, without the
	 * partition key.
	 */
	static List<String> declaredColumns(ArchiveTable table) throws IOException {
		String ddl = resource("athena/" + table.tableName() + ".sql");
		String columnsPart = ddl.substring(ddl.indexOf('('), ddl.indexOf("\n)"));
		List<String> declared = new ArrayList<>();
		Matcher matcher = COLUMN.matcher(columnsPart);
		while (matcher.find()) {
			declared.add(matcher.group(1) + " " + matcher.group(2));
		}
		return declared;
	}

	static String resource(String name) throws IOException {
		try (InputStream in = AthenaDdlTests.class.getClassLoader().getResourceAsStream(name)) {
			assertThat(in).as(name).isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	private static String athenaType(Type field) {
		PrimitiveType type = field.asPrimitiveType();
		LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
		return switch (type.getPrimitiveTypeName()) {
			case INT64 ->
				(logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) ? "timestamp" : "bigint";
			case INT32 -> (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) ? "date" : "int";
			case BINARY -> "string";
			case DOUBLE -> "double";
			case FLOAT -> "float";
			default -> throw new IllegalArgumentException("No Athena type for " + type);
		};
	}

}
