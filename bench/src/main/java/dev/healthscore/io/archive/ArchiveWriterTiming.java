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
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
		long[] nanos = new long[2];
		List<Object[]> chunk = new ArrayList<>(CHUNK_ROWS);
		long rows = 0;
		try (ArchiveParquetWriter writer = ArchiveParquetFiles.newWriter(new LocalOutputFile(out), table, settings,
				Map.of())) {
			ArchiveParquetFiles.RowSink sink = (row) -> {
				chunk.add(row);
				if (chunk.size() == CHUNK_ROWS) {
					write(writer, chunk, threads, nanos);
				}
			};
			for (Path file : files) {
				rows += ArchiveParquetFiles.read(new LocalInputFile(file), table, sink);
			}
			write(writer, chunk, threads, nanos);
			long wall = System.nanoTime();
			long cpu = threads.getCurrentThreadCpuTime();
			writer.close(); // the last row group and the footer
			nanos[0] += System.nanoTime() - wall;
			nanos[1] += threads.getCurrentThreadCpuTime() - cpu;
		}
		return new Result(rows, nanos[0] / 1e9, nanos[1] / 1e9, out.toFile().length());
	}

	private static void write(ArchiveParquetWriter writer, List<Object[]> chunk,
			com.sun.management.ThreadMXBean threads, long[] nanos) throws IOException {
		long wall = System.nanoTime();
		long cpu = threads.getCurrentThreadCpuTime();
		for (Object[] row : chunk) {
			writer.write(row);
		}
		nanos[0] += System.nanoTime() - wall;
		nanos[1] += threads.getCurrentThreadCpuTime() - cpu;
		chunk.clear();
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
