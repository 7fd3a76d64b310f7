package dev.healthscore.io.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

	private static final String ROOT = "@archive_root@";

	private static final Pattern LOCATION = Pattern.compile("^LOCATION '([^']*)'", Pattern.MULTILINE);

	private static final Pattern FORMAT = Pattern.compile("'projection\\.month\\.format' = '([^']*)'");

	private static final Pattern RANGE = Pattern.compile("'projection\\.month\\.range' = '([^']*)'");

	private static final Pattern TEMPLATE = Pattern.compile("'storage\\.location\\.template' = '([^']*)'");

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
			.contains("'projection.month.type' = 'date'")
			.contains("'projection.month.interval' = '1'")
			.contains("'projection.month.interval.unit' = 'MONTHS'")
			.contains("'projection.month.format' = 'yyyy-MM'")
			.contains("'storage.location.template' = '@archive_root@/" + table.tableName() + "/month=${month}/'")
			.contains("'projection.month.range' = '2015-01,NOW'");
	}

	@ParameterizedTest
	@EnumSource(value = ArchiveTable.class, names = "HEALTH_SCORE_WITHOUT_FINGERPRINTS", mode = Mode.EXCLUDE)
	void ddlFindsTheFoldersTheArchiveWritesWithAndWithoutPrefix(ArchiveTable table) throws IOException {
		String ddl = resource("athena/" + table.tableName() + ".sql");
		for (String prefix : List.of("", "archive", "team/health")) {
			ArchiveLayout layout = new ArchiveLayout("bucket", prefix);
			// what the README says to put in place of @archive_root@
			String root = "s3://bucket" + (prefix.isEmpty() ? "" : "/" + prefix);
			String location = property(ddl, LOCATION).replace(ROOT, root);
			if (!table.partitioned()) {
				assertThat(location).as(prefix).isEqualTo(layout.folder(table, null).uri());
				continue;
			}
			DateTimeFormatter format = DateTimeFormatter.ofPattern(property(ddl, FORMAT), Locale.ROOT);
			String[] range = property(ddl, RANGE).split(",");
			assertThat(range).hasSize(2).endsWith("NOW");
			YearMonth first = YearMonth.parse(range[0], format);
			for (YearMonth month : List.of(first, YearMonth.of(2025, 1), YearMonth.of(2025, 12),
					YearMonth.of(2099, 7))) {
				String folder = layout.folder(table, month).uri();
				assertThat(property(ddl, TEMPLATE).replace(ROOT, root).replace("${month}", month.format(format)))
					.as(prefix + " " + month)
					.isEqualTo(folder);
				assertThat(folder).as(prefix + " " + month).startsWith(location);
				assertThat(layout.dataFile(table, month, 0).uri()).startsWith(folder);
			}
		}
	}

	private static String property(String ddl, Pattern pattern) {
		Matcher matcher = pattern.matcher(ddl);
		assertThat(matcher.find()).as(pattern.pattern()).isTrue();
		return matcher.group(1);
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
