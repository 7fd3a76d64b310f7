package dev.healthscore.io.archive;

import java.io.IOException;
import java.util.Map;

import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
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
	static ArchiveParquetWriter newWriter(OutputFile file, ArchiveTable table, ArchiveSettings settings,
			Map<String, String> metadata) throws IOException {
		return new ArchiveParquetWriter(file, table, settings, metadata);
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

}
