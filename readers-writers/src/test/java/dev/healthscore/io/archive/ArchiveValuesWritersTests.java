package dev.healthscore.io.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.factory.DefaultValuesWriterFactory;
import org.apache.parquet.column.values.fallback.FallbackValuesWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ArchiveValuesWriters}: its dictionary writers give byte for byte the
 * pages and dictionaries of parquet-java's own, for values that repeat, come back after
 * others, outgrow the dictionary (fall back to plain) and come in reused buffers.
 */
class ArchiveValuesWritersTests {

	/** Small enough that a few hundred distinct values make the dictionary fall back. */
	private static final int DICTIONARY_BYTES = 2048;

	private final MessageType schema = ArchiveParquetSchema.of(ArchiveTable.HEALTH_READING);

	private final ParquetProperties properties = ParquetProperties.builder()
		.withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
		.withDictionaryPageSize(DICTIONARY_BYTES)
		.build();

	@Test
	void userIdsSortedRepeatedAndReturningWriteWhatParquetJavaWrites() throws IOException {
		List<Long> values = new ArrayList<>();
		for (long user = 1; user <= 40; user++) {
			for (int i = 0; i < 50; i++) {
				values.add(user);
			}
		}
		values.addAll(List.of(7L, 7L, 3L, 40L, 3L, 7L, 41L, 41L, 1L)); // back to earlier
																		// ids
		Random random = new Random(1);
		for (int i = 0; i < 2000; i++) {
			values.add((long) random.nextInt(60));
		}
		assertSameAsParquetJava("user_id", values, ValuesWriter::writeLong, 700);
	}

	@Test
	void longsThatOutgrowTheDictionaryFallBackAsParquetJavaDoes() throws IOException {
		List<Long> values = new ArrayList<>();
		for (long i = 0; i < 3000; i++) {
			values.add(i / 3); // a thousand distinct values, each three times: 8 KiB
		}
		ValuesWriter ours = assertSameAsParquetJava("user_id", values, ValuesWriter::writeLong, 500);
		assertThat(ours.getEncoding()).isEqualTo(Encoding.PLAIN);
	}

	@Test
	void textsCyclingThroughMoreThanTheRecentOnesWriteWhatParquetJavaWrites() throws IOException {
		List<Binary> constants = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			constants.add(Binary.fromConstantByteArray(("metric_" + i).getBytes(StandardCharsets.UTF_8)));
		}
		List<Binary> values = new ArrayList<>();
		Random random = new Random(2);
		for (int i = 0; i < 5000; i++) {
			values.add(constants.get((i % 3 == 0) ? random.nextInt(12) : i % 5));
		}
		// equal to a cached one but another instance: found by content, not identity
		values.add(Binary.fromConstantByteArray("metric_1".getBytes(StandardCharsets.UTF_8)));
		assertSameAsParquetJava("metric", values, ValuesWriter::writeBytes, 900);
	}

	@Test
	void textsInAReusedBufferAreNotRememberedByIdentity() throws IOException {
		byte[] buffer = new byte[8];
		List<Binary> values = new ArrayList<>();
		Binary reused = Binary.fromReusedByteArray(buffer);
		List<byte[]> contents = new ArrayList<>();
		for (int i = 0; i < 300; i++) {
			values.add(reused);
			contents.add(String.format("text_%03d", i % 7).getBytes(StandardCharsets.UTF_8));
		}
		List<Binary> copies = new ArrayList<>();
		contents.forEach((content) -> copies.add(Binary.fromConstantByteArray(content)));
		ValuesWriter ours = newWriter("source", true);
		ValuesWriter theirs = newWriter("source", false);
		for (int i = 0; i < values.size(); i++) {
			System.arraycopy(contents.get(i), 0, buffer, 0, buffer.length); // same
																			// instance,
																			// new bytes
			ours.writeBytes(values.get(i));
			theirs.writeBytes(copies.get(i));
		}
		assertSamePages(ours, theirs);
		assertSameDictionary(ours, theirs);
	}

	@Test
	void textsThatOutgrowTheDictionaryFallBackAsParquetJavaDoes() throws IOException {
		List<Binary> values = new ArrayList<>();
		for (int i = 0; i < 2000; i++) {
			values.add(Binary.fromConstantByteArray(("source-" + (i / 2)).getBytes(StandardCharsets.UTF_8)));
		}
		ValuesWriter ours = assertSameAsParquetJava("source", values, ValuesWriter::writeBytes, 400);
		assertThat(ours.getEncoding()).isEqualTo(Encoding.PLAIN);
	}

	@Test
	void timestampsAreDeltaEncodedAndOtherColumnsKeepParquetJavaWriters() throws IOException {
		ArchiveValuesWriters ours = new ArchiveValuesWriters(ArchiveTable.HEALTH_READING.columns());
		ours.initialize(this.properties);
		assertThat(ours.newValuesWriter(column("recorded_at")).getEncoding()).isEqualTo(Encoding.DELTA_BINARY_PACKED);
		assertThat(ours.newValuesWriter(column("ingested_at_micros")).getEncoding())
			.isEqualTo(Encoding.DELTA_BINARY_PACKED);
		assertThat(ours.newValuesWriter(column("user_id"))).isInstanceOf(FallbackValuesWriter.class)
			.extracting((writer) -> ((FallbackValuesWriter<?, ?>) writer).initialWriter)
			.isInstanceOf(ArchiveValuesWriters.RepeatedLongDictionaryWriter.class);
		assertThat(ours.newValuesWriter(column("metric"))).isInstanceOf(FallbackValuesWriter.class)
			.extracting((writer) -> ((FallbackValuesWriter<?, ?>) writer).initialWriter)
			.isInstanceOf(ArchiveValuesWriters.RepeatedBinaryDictionaryWriter.class);
	}

	/**
	 * Writes the values to our writer and to parquet-java's, a page of
	 * {@code valuesPerPage} at a time, a row group (the dictionary reset) every four
	 * pages, and compares every page and dictionary.
	 * @return our writer, after the last page
	 */
	private <T> ValuesWriter assertSameAsParquetJava(String column, List<T> values, BiConsumer<ValuesWriter, T> write,
			int valuesPerPage) throws IOException {
		ValuesWriter ours = newWriter(column, true);
		ValuesWriter theirs = newWriter(column, false);
		int pages = 0;
		for (int i = 0; i < values.size(); i++) {
			write.accept(ours, values.get(i));
			write.accept(theirs, values.get(i));
			if ((i + 1) % valuesPerPage == 0 || i == values.size() - 1) {
				assertThat(ours.getEncoding()).isEqualTo(theirs.getEncoding());
				assertSamePages(ours, theirs);
				if (++pages % 4 == 0) {
					assertSameDictionary(ours, theirs);
					ours.resetDictionary();
					theirs.resetDictionary();
				}
			}
		}
		assertThat(pages).isGreaterThan(4);
		return ours;
	}

	private static void assertSamePages(ValuesWriter ours, ValuesWriter theirs) throws IOException {
		assertThat(ours.getBufferedSize()).isEqualTo(theirs.getBufferedSize());
		assertThat(ours.getBytes().toByteArray()).isEqualTo(theirs.getBytes().toByteArray());
		ours.reset();
		theirs.reset();
	}

	private static void assertSameDictionary(ValuesWriter ours, ValuesWriter theirs) throws IOException {
		DictionaryPage our = ours.toDictPageAndClose();
		DictionaryPage their = theirs.toDictPageAndClose();
		if (their == null) {
			assertThat(our).isNull();
			return;
		}
		assertThat(our.getDictionarySize()).isEqualTo(their.getDictionarySize());
		assertThat(our.getBytes().toByteArray()).isEqualTo(their.getBytes().toByteArray());
	}

	private ValuesWriter newWriter(String column, boolean ours) {
		if (ours) {
			ArchiveValuesWriters factory = new ArchiveValuesWriters(ArchiveTable.HEALTH_READING.columns());
			factory.initialize(this.properties);
			return factory.newValuesWriter(column(column));
		}
		DefaultValuesWriterFactory factory = new DefaultValuesWriterFactory();
		factory.initialize(this.properties);
		return factory.newValuesWriter(column(column));
	}

	private ColumnDescriptor column(String name) {
		return this.schema.getColumnDescription(new String[] { name });
	}

}
