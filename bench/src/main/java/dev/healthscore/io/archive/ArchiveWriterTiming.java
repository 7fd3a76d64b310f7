package dev.healthscore.io.archive;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;

/**
 * Times the archive's Parquet writer alone, the way the benchmark times DuckDB's: rows
 * already in memory, written to a local file. Reading the rows back from an archived file
 * is not timed; rows are held a chunk at a time, so memory stays bounded. (In the
 * benchmark module, in the archive's package, because the writer is not public API.)
 */
public final class ArchiveWriterTiming {

	private static final int CHUNK_ROWS = 100_000;

	private ArchiveWriterTiming() {
	}

	/**
	 * Reads the rows of archived files and writes them again to one local file, timing
	 * only the writer.
	 * @param table the table the files hold
	 * @param files the archived files, in order
	 * @param out the file to write
	 * @return what the writer took
	 */
	public static Result time(ArchiveTable table, List<Path> files, Path out) throws IOException {
		ArchiveSettings settings = ArchiveSettings.builder("local").build();
		Clocks inWriter = new Clocks();
		List<Object[]> chunk = new ArrayList<>(CHUNK_ROWS);
		long rows = 0;
		try (ArchiveParquetWriter writer = ArchiveParquetFiles.newWriter(new LocalOutputFile(out), table, settings,
				Map.of())) {
			ArchiveParquetFiles.RowSink sink = (row) -> {
				chunk.add(row);
				if (chunk.size() == CHUNK_ROWS) {
					inWriter.time(() -> write(writer, chunk));
				}
			};
			for (Path file : files) {
				rows += ArchiveParquetFiles.read(new LocalInputFile(file), table, sink);
			}
			inWriter.time(() -> write(writer, chunk));
			inWriter.time(writer::close); // the last row group and the footer
		}
		return new Result(rows, inWriter.wallNanos / 1e9, inWriter.cpuNanos / 1e9, out.toFile().length());
	}

	private static void write(ArchiveParquetWriter writer, List<Object[]> chunk) throws IOException {
		for (Object[] row : chunk) {
			writer.write(row);
		}
		chunk.clear();
	}

	/** Wall and CPU time of this thread, summed over what was timed. */
	private static final class Clocks {

		private final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
			.getThreadMXBean();

		private long wallNanos;

		private long cpuNanos;

		void time(IoAction action) throws IOException {
			long wall = System.nanoTime();
			long cpu = this.threads.getCurrentThreadCpuTime();
			action.run();
			this.wallNanos += System.nanoTime() - wall;
			this.cpuNanos += this.threads.getCurrentThreadCpuTime() - cpu;
		}

	}

	@FunctionalInterface
	private interface IoAction {

		void run() throws IOException;

	}

	/**
	 * What the writer took.
	 *
	 * @param rows the rows written
	 * @param seconds the wall time spent in the writer
	 * @param cpuSeconds the CPU time of the writing thread in the writer
	 * @param bytes the size of the file written
	 */
	public record Result(long rows, double seconds, double cpuSeconds, long bytes) {

	}

}
