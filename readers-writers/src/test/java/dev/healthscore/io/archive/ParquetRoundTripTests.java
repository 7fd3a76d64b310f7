package dev.healthscore.io.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the Parquet layout of archives: {@link ArchiveParquetSchema},
 * {@link ArchiveParquetWriter}, {@link ArchiveRecordMaterializer} and
 * {@link PlainCodecFactory}.
 */
class ParquetRoundTripTests {

	@TempDir
	Path directory;

	@Test
	void readingSchemaHasMillisecondTimestampsForAthenaAndExactMicros() {
		MessageType schema = ArchiveParquetSchema.of(ArchiveTable.HEALTH_READING);
		assertThat(schema.getFields()).extracting((field) -> field.getName())
			.containsExactly("user_id", "metric", "recorded_at", "recorded_at_micros", "value", "source", "ingested_at",
					"ingested_at_micros");
		assertThat(schema.getType("recorded_at").asPrimitiveType().getPrimitiveTypeName())
			.isEqualTo(PrimitiveTypeName.INT64);
		assertThat(schema.getType("recorded_at").getLogicalTypeAnnotation())
			.isEqualTo(LogicalTypeAnnotation.timestampType(true, TimeUnit.MILLIS));
		assertThat(schema.getType("recorded_at_micros").getLogicalTypeAnnotation()).isNull();
		assertThat(schema.getType("value").getRepetition()).isEqualTo(Repetition.OPTIONAL);
		assertThat(schema.getType("metric").getLogicalTypeAnnotation()).isEqualTo(LogicalTypeAnnotation.stringType());
	}

	@Test
	void scoreSchemaHasDateInt32AndFloat() {
		MessageType schema = ArchiveParquetSchema.of(ArchiveTable.HEALTH_SCORE);
		assertThat(schema.getType("score_date").getLogicalTypeAnnotation()).isEqualTo(LogicalTypeAnnotation.dateType());
		assertThat(schema.getType("score").asPrimitiveType().getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.INT32);
		assertThat(schema.getType("completeness").asPrimitiveType().getPrimitiveTypeName())
			.isEqualTo(PrimitiveTypeName.FLOAT);
		assertThat(schema.getType("input_hash").asPrimitiveType().getPrimitiveTypeName())
			.isEqualTo(PrimitiveTypeName.INT64);
		assertThat(schema.getFieldCount()).isEqualTo(15);
	}

	@Test
	void trickyReadingsSurviveZstdRoundTripBitForBit() throws IOException {
		assertRoundTrip(ArchiveTable.HEALTH_READING, ArchiveRows.trickyReadings(), ArchiveSettings.Compression.ZSTD);
	}

	@Test
	void trickyScoresSurviveSnappyRoundTripBitForBit() throws IOException {
		assertRoundTrip(ArchiveTable.HEALTH_SCORE, ArchiveRows.trickyScores(), ArchiveSettings.Compression.SNAPPY);
	}

	@Test
	void millisecondColumnIsMicrosRoundedDown() throws IOException {
		Path file = write(ArchiveTable.HEALTH_READING,
				Collections.singletonList(ArchiveRows.reading(1, "m", "1969-12-31T23:59:59.999999Z", 1.0, "s")),
				ArchiveSettings.Compression.ZSTD);
		List<Object[]> rows = read(ArchiveTable.HEALTH_READING, file);
		assertThat(rows.get(0)[2]).isEqualTo(-1L);
	}

	@Test
	void nanPayloadsAndNegativeZeroKeepTheirBitsThroughDictionaryAndPlainPages() throws IOException {
		long[] patterns = { 0x7ff8000000000000L, 0xfff8000000000000L, 0x7ff0000000000001L, 0x8000000000000000L };
		List<Object[]> rows = new ArrayList<>();
		for (int i = 0; i < 3000; i++) {
			double value = (i % 5 < 4) ? Double.longBitsToDouble(patterns[i % 5]) : i;
			rows.add(ArchiveRows.reading(1, "m", "2025-01-01T00:00:00Z", value, "s"));
		}
		List<Object[]> read = read(ArchiveTable.HEALTH_READING,
				write(ArchiveTable.HEALTH_READING, rows, ArchiveSettings.Compression.ZSTD));
		for (int i = 0; i < rows.size(); i++) {
			assertThat(Double.doubleToRawLongBits((Double) read.get(i)[3]))
				.isEqualTo(Double.doubleToRawLongBits((Double) rows.get(i)[3]));
		}
	}

	@Test
	void timestampsAreDeltaEncodedAndSurviveEveryDirectionOfChange() throws IOException {
		// many users' months in one file: times rise within a user and fall between
		// users, across several pages, with extremes the delta of which overflows a
		// long
		List<Object[]> rows = new ArrayList<>();
		java.util.Random random = new java.util.Random(9);
		for (int user = 1; user <= 300; user++) {
			long micros = 789_000_000_000_000L + random.nextInt(1_000_000);
			for (int i = 0; i < 100; i++) {
				micros += random.nextInt(600_000_000);
				rows.add(new Object[] { (long) user, "steps", micros, (double) i, "watch",
						micros + random.nextInt(100_000_000) - 50_000_000 });
			}
		}
		rows.add(new Object[] { 301L, "steps", -210_866_803_200_000_000L, 1.0, "watch", 9_214_646_400_000_000L });
		rows.add(new Object[] { 301L, "steps", 9_214_646_400_000_000L, 1.0, "watch", -210_866_803_200_000_000L });
		Path file = write(ArchiveTable.HEALTH_READING, rows, ArchiveSettings.Compression.ZSTD);
		assertReadsBackExactly(file, rows);
		try (ParquetFileReader reader = open(file)) {
			for (ColumnChunkMetaData column : reader.getFooter().getBlocks().get(0).getColumns()) {
				String name = column.getPath().toDotString();
				boolean timestamp = name.startsWith("recorded_at") || name.startsWith("ingested_at");
				assertThat(column.getEncodings().contains(Encoding.DELTA_BINARY_PACKED)).as(name).isEqualTo(timestamp);
			}
		}
	}

	@Test
	void textDictionariesKeepEveryValueAcrossRowGroupsAndFallBackToPlain() throws IOException {
		// few metrics (dictionary encoded through every row group), and sources that are
		// first few, then each new: more distinct values than the writer caches, whose
		// dictionary outgrows its 1 MiB limit and falls back to plain in some row groups
		// but not in others
		List<Object[]> rows = new ArrayList<>();
		String[] metrics = { "steps", "sleep_minutes", "resting_heart_rate", "active_minutes" };
		for (int i = 0; i < 120_000; i++) {
			String source = (i < 40_000 || i >= 100_000) ? "device-" + (i % 7)
					: "device-" + i + "-".repeat(40) + Integer.toHexString(i);
			rows.add(new Object[] { (long) (i / 1000), metrics[i % metrics.length],
					789_000_000_000_000L + i * 60_000_000L, (double) i, source, 789_000_000_000_000L + i });
		}
		Path file = write(ArchiveTable.HEALTH_READING, rows,
				ArchiveSettings.builder("bucket").rowGroupSize(1024 * 1024).build(), "dictionaries.parquet");
		assertReadsBackExactly(file, rows);
		try (ParquetFileReader reader = open(file)) {
			List<Set<Encoding>> metric = new ArrayList<>();
			List<Set<Encoding>> source = new ArrayList<>();
			for (var block : reader.getFooter().getBlocks()) {
				for (ColumnChunkMetaData column : block.getColumns()) {
					switch (column.getPath().toDotString()) {
						case "metric" -> metric.add(column.getEncodings());
						case "source" -> source.add(column.getEncodings());
						default -> {
						}
					}
				}
			}
			assertThat(metric).hasSizeGreaterThan(2)
				.allSatisfy((encodings) -> assertThat(encodings).contains(Encoding.PLAIN_DICTIONARY)
					.doesNotContain(Encoding.PLAIN));
			assertThat(source).anySatisfy((encodings) -> assertThat(encodings).contains(Encoding.PLAIN))
				.anySatisfy((encodings) -> assertThat(encodings).doesNotContain(Encoding.PLAIN));
		}
	}

	private void assertRoundTrip(ArchiveTable table, List<Object[]> rows, ArchiveSettings.Compression compression)
			throws IOException {
		List<Object[]> read = read(table, write(table, rows, compression));
		assertThat(read).hasSameSizeAs(rows);
		for (int i = 0; i < rows.size(); i++) {
			assertThat(RowChecksum.canonicalText(table, read.get(i)))
				.isEqualTo(RowChecksum.canonicalText(table, rows.get(i)));
			assertThat(read.get(i)).containsExactly(rows.get(i));
		}
	}

	private Path write(ArchiveTable table, List<Object[]> rows, ArchiveSettings.Compression compression)
			throws IOException {
		return write(table, rows, ArchiveSettings.builder("bucket").compression(compression).build(),
				table.tableName() + "-" + compression + ".parquet");
	}

	private Path write(ArchiveTable table, List<Object[]> rows, ArchiveSettings settings, String name)
			throws IOException {
		Path file = this.directory.resolve(name);
		try (ArchiveParquetWriter writer = ArchiveParquetFiles.newWriter(new LocalOutputFile(file), table, settings,
				Map.of("healthscore.table", table.tableName()))) {
			for (Object[] row : rows) {
				writer.write(row);
			}
		}
		return file;
	}

	private static void assertReadsBackExactly(Path file, List<Object[]> rows) throws IOException {
		assertThat(read(ArchiveTable.HEALTH_READING, file)).hasSameSizeAs(rows)
			.zipSatisfy(rows, (read, written) -> assertThat(read).containsExactly(written));
	}

	private static ParquetFileReader open(Path file) throws IOException {
		ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
			.withCodecFactory(new PlainCodecFactory())
			.build();
		return ParquetFileReader.open(new LocalInputFile(file), options);
	}

	private static List<Object[]> read(ArchiveTable table, Path file) throws IOException {
		List<Object[]> rows = new ArrayList<>();
		long count = ArchiveParquetFiles.read(new LocalInputFile(file), table, rows::add);
		assertThat(count).isEqualTo(rows.size());
		return rows;
	}

}
