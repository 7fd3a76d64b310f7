package dev.healthscore.io.archive;

import java.io.IOException;
import java.util.Map;

import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/**
 * Opens Parquet writers and readers for archive rows through parquet-java's Hadoop-free
 * entry points ({@link OutputFile}, {@link InputFile},
 * {@link PlainParquetConfiguration}).
 */
final class ArchiveParquetFiles {

	/** Page size: 1 MiB, parquet-java's default, small enough for page-index pruning. */
	private static final int PAGE_SIZE = 1024 * 1024;

	private ArchiveParquetFiles() {
	}

	/**
	 * Opens a writer of a table's rows.
	 * @param file where to write
	 * @param table the table
	 * @param settings row group size and compression
	 * @param metadata key-value metadata stored in the footer
	 * @return the writer
	 */
	static ParquetWriter<Object[]> newWriter(OutputFile file, ArchiveTable table, ArchiveSettings settings,
			Map<String, String> metadata) throws IOException {
		Builder builder = new Builder(file, new ArchiveWriteSupport(table, metadata))
			.withConf(new PlainParquetConfiguration())
			.withCodecFactory(new PlainCodecFactory())
			.withCompressionCodec(settings.compression().codec())
			.withRowGroupSize(settings.rowGroupSize())
			.withPageSize(PAGE_SIZE)
			.withDictionaryEncoding(true)
			.withWriteMode(ParquetFileWriter.Mode.OVERWRITE);
		for (ArchiveColumn column : table.columns()) {
			if (column.type() == ArchiveColumn.Type.FLOAT8) {
				builder.withDictionaryEncoding(column.name(), false);
			}
			if (column.type() == ArchiveColumn.Type.TIMESTAMPTZ) {
				// nearly every timestamp is distinct: a dictionary costs CPU until it
				// overflows in each row group, and saves nothing
				builder.withDictionaryEncoding(column.name(), false)
					.withDictionaryEncoding(column.name() + ArchiveColumn.MICROS_SUFFIX, false);
			}
		}
		return builder.build();
	}

	/**
	 * Reads every row of a file, in file order, after checking its schema.
	 * @param file the file
	 * @param table the table it must hold
	 * @param rows receives each row
	 * @return the number of rows read
	 */
	static long read(InputFile file, ArchiveTable table, RowSink rows) throws IOException {
		ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
			.withCodecFactory(new PlainCodecFactory())
			.build();
		try (ParquetFileReader reader = ParquetFileReader.open(file, options)) {
			MessageType expected = ArchiveParquetSchema.of(table);
			MessageType actual = reader.getFooter().getFileMetaData().getSchema();
			if (!expected.equals(actual)) {
				throw new IOException(
						"Invalid archive file " + file + ", expected schema " + expected + " but got " + actual);
			}
			MessageColumnIO columns = new ColumnIOFactory().getColumnIO(expected);
			long count = 0;
			PageReadStore rowGroup;
			while ((rowGroup = reader.readNextRowGroup()) != null) {
				RecordReader<Object[]> records = columns.getRecordReader(rowGroup,
						new ArchiveRecordMaterializer(table));
				for (long i = 0; i < rowGroup.getRowCount(); i++) {
					rows.accept(records.read());
				}
				count += rowGroup.getRowCount();
			}
			return count;
		}
	}

	/** Receives rows, one at a time. */
	@FunctionalInterface
	interface RowSink {

		void accept(Object[] row) throws IOException;

	}

	private static final class Builder extends ParquetWriter.Builder<Object[], Builder> {

		private final ArchiveWriteSupport writeSupport;

		Builder(OutputFile file, ArchiveWriteSupport writeSupport) {
			super(file);
			this.writeSupport = writeSupport;
		}

		@Override
		protected Builder self() {
			return this;
		}

		@Override
		protected WriteSupport<Object[]> getWriteSupport(org.apache.hadoop.conf.Configuration configuration) {
			return this.writeSupport;
		}

		@Override
		protected WriteSupport<Object[]> getWriteSupport(ParquetConfiguration configuration) {
			return this.writeSupport;
		}

	}

}
