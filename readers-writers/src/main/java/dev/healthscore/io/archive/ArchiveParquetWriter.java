package dev.healthscore.io.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Writes rows of an {@link ArchiveTable} ({@code Object[]} in column order) to a Parquet
 * file of {@link ArchiveParquetSchema}, straight into parquet-java's column writers.
 * <p>
 * parquet-java's {@code ParquetWriter} assembles each record through a
 * {@code RecordConsumer} that tracks fields, levels and missing values for nested
 * schemas; archive schemas are flat, with required and optional primitive columns only,
 * so each value goes to its column writer directly with repetition level 0 and a
 * definition level of 0 (required) or 1 (optional, present). Row groups are cut as
 * parquet-java cuts them: when the buffered size reaches the row group size, checked at
 * the same adaptive intervals. This halves the encoding cost per row (measured by the
 * archive benchmark) and writes the same file format.
 * <p>
 * Text values repeat (metric, source, time zone): the {@link Binary} of each distinct
 * string is kept, up to {@value #MAX_CACHED_STRINGS} of them per column, instead of
 * encoding the string again for every row.
 */
final class ArchiveParquetWriter implements AutoCloseable {

	/** Page size: 1 MiB, parquet-java's default, small enough for page-index pruning. */
	private static final int PAGE_SIZE = 1024 * 1024;

	/** No padding: row group alignment matters to HDFS blocks, not to S3 objects. */
	private static final int MAX_PADDING = 0;

	private static final int MAX_CACHED_STRINGS = 1024;

	private final MessageType schema;

	private final ParquetProperties properties;

	private final BytesInputCompressor compressor;

	private final ParquetFileWriter fileWriter;

	private final long rowGroupSize;

	private final Map<String, String> metadata;

	private final List<ArchiveColumn> columns;

	private final ColumnDescriptor[] descriptors;

	/** For each table column, the Parquet field it starts at (timestamps take two). */
	private final int[] firstField;

	private final List<TextBinaries> strings;

	private ColumnChunkPageWriteStore pageStore;

	private ColumnWriteStore columnStore;

	private ColumnWriter[] writers;

	private long rowsInGroup;

	private long rowsForNextSizeCheck;

	private long lastRowGroupEnd;

	private int rowGroupOrdinal;

	private boolean closed;

	ArchiveParquetWriter(OutputFile file, ArchiveTable table, ArchiveSettings settings, Map<String, String> metadata)
			throws IOException {
		this.schema = ArchiveParquetSchema.of(table);
		this.columns = table.columns();
		this.metadata = Map.copyOf(metadata);
		this.rowGroupSize = settings.rowGroupSize();
		ParquetProperties.Builder properties = ParquetProperties.builder()
			.withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
			.withPageSize(PAGE_SIZE)
			.withDictionaryEncoding(true)
			.withSizeStatisticsEnabled(false);
		for (ArchiveColumn column : this.columns) {
			if (column.type() == ArchiveColumn.Type.FLOAT8) {
				properties.withDictionaryEncoding(column.name(), false);
			}
		}
		this.properties = properties.withValuesWriterFactory(new ArchiveValuesWriters(this.columns)).build();
		this.compressor = new PlainCodecFactory().getCompressor(settings.compression().codec());
		this.descriptors = this.schema.getColumns().toArray(ColumnDescriptor[]::new);
		this.firstField = new int[this.columns.size()];
		this.strings = new ArrayList<>();
		int field = 0;
		for (int i = 0; i < this.columns.size(); i++) {
			this.firstField[i] = field;
			field += (this.columns.get(i).type() == ArchiveColumn.Type.TIMESTAMPTZ) ? 2 : 1;
			this.strings.add(new TextBinaries());
		}
		this.fileWriter = new ParquetFileWriter(file, this.schema, ParquetFileWriter.Mode.OVERWRITE, this.rowGroupSize,
				MAX_PADDING, null, this.properties);
		this.fileWriter.start();
		startRowGroup();
	}

	/**
	 * Writes a row.
	 * @param row the row, one value per table column
	 */
	void write(Object[] row) throws IOException {
		for (int i = 0; i < this.firstField.length; i++) {
			ArchiveColumn column = this.columns.get(i);
			ColumnWriter writer = this.writers[this.firstField[i]];
			Object value = row[i];
			if (value == null) {
				if (!column.nullable()) {
					throw new IOException("Column " + column.name() + " is required but the row has no value");
				}
				writer.writeNull(0, 0);
				if (column.type() == ArchiveColumn.Type.TIMESTAMPTZ) {
					this.writers[this.firstField[i] + 1].writeNull(0, 0);
				}
				continue;
			}
			int level = column.nullable() ? 1 : 0;
			switch (column.type()) {
				case BIGINT -> writer.write((long) (Long) value, 0, level);
				case SMALLINT, INTEGER, DATE -> writer.write((int) (Integer) value, 0, level);
				case TEXT -> writer.write(binary(i, (String) value), 0, level);
				case FLOAT8 -> writer.write((double) (Double) value, 0, level);
				case FLOAT4 -> writer.write((float) (Float) value, 0, level);
				case TIMESTAMPTZ -> {
					long micros = (Long) value;
					writer.write(Math.floorDiv(micros, 1000L), 0, level);
					this.writers[this.firstField[i] + 1].write(micros, 0, level);
				}
			}
		}
		this.columnStore.endRecord();
		this.rowsInGroup++;
		if (this.rowsInGroup >= this.rowsForNextSizeCheck) {
			checkRowGroupSize();
		}
	}

	/**
	 * Returns the bytes written to the file so far plus those buffered for the current
	 * row group: about the size of the file if it were closed now.
	 * @return the size in bytes
	 */
	long dataSize() {
		return this.lastRowGroupEnd + this.columnStore.getBufferedSize();
	}

	/**
	 * Writes the last row group and the footer.
	 */
	@Override
	public void close() throws IOException {
		if (this.closed) {
			return;
		}
		this.closed = true;
		flushRowGroup();
		this.fileWriter.end(this.metadata);
	}

	private Binary binary(int column, String value) {
		return this.strings.get(column).binary(value);
	}

	/** As parquet-java's {@code InternalParquetRecordWriter.checkBlockSizeReached}. */
	private void checkRowGroupSize() throws IOException {
		long buffered = this.columnStore.getBufferedSize();
		long rowSize = Math.max(1, buffered / this.rowsInGroup);
		long target = Math.min(this.fileWriter.getNextRowGroupSize(), this.rowGroupSize);
		if (buffered > target - 2 * rowSize) {
			long rows = this.rowsInGroup;
			flushRowGroup();
			this.lastRowGroupEnd = this.fileWriter.getPos();
			startRowGroup();
			this.rowsForNextSizeCheck = Math.min(Math.max(this.properties.getMinRowCountForPageSizeCheck(), rows / 2),
					this.properties.getMaxRowCountForPageSizeCheck());
		}
		else {
			this.rowsForNextSizeCheck = Math.min(
					Math.max(this.properties.getMinRowCountForPageSizeCheck(),
							(this.rowsInGroup + (long) (target / (float) rowSize)) / 2),
					this.rowsInGroup + this.properties.getMaxRowCountForPageSizeCheck());
		}
	}

	private void startRowGroup() {
		this.pageStore = new ColumnChunkPageWriteStore(this.compressor, this.schema, this.properties.getAllocator(),
				this.properties.getColumnIndexTruncateLength(), this.properties.getPageWriteChecksumEnabled(), null,
				this.rowGroupOrdinal);
		this.columnStore = this.properties.newColumnWriteStore(this.schema, this.pageStore, this.pageStore);
		this.writers = new ColumnWriter[this.descriptors.length];
		for (int i = 0; i < this.descriptors.length; i++) {
			this.writers[i] = this.columnStore.getColumnWriter(this.descriptors[i]);
		}
		this.rowsInGroup = 0;
		if (this.rowsForNextSizeCheck == 0) {
			this.rowsForNextSizeCheck = this.properties.getMinRowCountForPageSizeCheck();
		}
	}

	private void flushRowGroup() throws IOException {
		if (this.rowsInGroup > 0) {
			this.rowGroupOrdinal++;
			this.fileWriter.startBlock(this.rowsInGroup);
			this.columnStore.flush();
			this.pageStore.flushToFileWriter(this.fileWriter);
			this.fileWriter.endBlock();
		}
		this.columnStore.close();
		this.pageStore.close();
	}

	/**
	 * The {@link Binary} of each distinct text of a column, up to
	 * {@value #MAX_CACHED_STRINGS} of them, found first by identity among the last
	 * {@value #RECENT_STRINGS}: the COPY reader hands the same {@link String} for a text
	 * that repeats (see {@code PgBinaryCopy}), so most lookups need neither a hash nor an
	 * equality check of the text.
	 */
	private static final class TextBinaries {

		private static final int RECENT_STRINGS = 8;

		private final Map<String, Binary> cache = new HashMap<>();

		private final String[] recent = new String[RECENT_STRINGS];

		private final Binary[] recentBinaries = new Binary[RECENT_STRINGS];

		private int next;

		Binary binary(String value) {
			for (int i = 0; i < RECENT_STRINGS; i++) {
				if (this.recent[i] == value) {
					return this.recentBinaries[i];
				}
			}
			Binary binary = this.cache.get(value);
			if (binary == null) {
				binary = Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8));
				if (this.cache.size() < MAX_CACHED_STRINGS) {
					this.cache.put(value, binary);
				}
				else {
					return binary; // not cached: a new Binary every time, so not recent
									// either
				}
			}
			this.recent[this.next] = value;
			this.recentBinaries[this.next] = binary;
			this.next = (this.next + 1) % RECENT_STRINGS;
			return binary;
		}

	}

}
