package dev.healthscore.io.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sorts the rows of one {@link ArchiveTable#leadingOrderColumn() leading key} (one user)
 * at a time by {@link ArchiveTable#rowOrderWithinLeadingKey()}, in memory up to a number
 * of rows, so that the heap holds at most that many whatever one user's month holds.
 * Beyond it the rows sorted so far go to a temporary file as a sorted run (in the binary
 * {@code COPY} format of {@link PgBinaryCopy}), and the group's end merges the runs with
 * the rows still in memory. The merge is stable (of equal rows, the one of the earlier
 * run first) and {@link List#sort} is too, so rows come out in the same order as a sort
 * of the whole group in memory. Past {@value #MAX_RUNS} runs, the next spill merges them
 * and the rows in memory into one run, so that a merge reads at most that many files at a
 * time. Run files are deleted once merged, and by {@link #close()} whatever happened;
 * those of a sorter whose process died are {@link SortRunOwner}'s to remove. Not
 * thread-safe: one thread adds, finishes and closes.
 */
final class GroupSorter implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(GroupSorter.class);

	/** Runs merged at a time: each reads through a buffer of its own (64 KiB). */
	static final int MAX_RUNS = 64;

	private final ArchiveTable table;

	private final Comparator<Object[]> order;

	private final int bufferRows;

	private final int maxRuns;

	private final Path directory;

	private final RunFiles files;

	private final ArrayList<Object[]> rows = new ArrayList<>();

	/** Holds the group's run files under a lock while there are any. */
	private SortRunOwner owner;

	/** The group's sorted runs on disk, oldest first. */
	private final List<Path> runs = new ArrayList<>();

	/** Rows of the group in runs on disk. */
	private long spilledRows;

	/** The leading key of the group that has runs on disk, for messages. */
	private Object spilledKey;

	/** When the group's first run was written. */
	private long firstRunNanos;

	/**
	 * Creates a sorter.
	 * @param table the table whose rows it sorts
	 * @param bufferRows rows of one group held in memory before a sorted run goes to disk
	 * @param directory where run files are created
	 */
	GroupSorter(ArchiveTable table, int bufferRows, Path directory) {
		this(table, bufferRows, directory, MAX_RUNS, RunFiles.LOCAL);
	}

	GroupSorter(ArchiveTable table, int bufferRows, Path directory, int maxRuns, RunFiles files) {
		if (bufferRows < 1 || maxRuns < 2) {
			throw new IllegalArgumentException(
					"Invalid sort buffer of " + bufferRows + " rows and " + maxRuns + " runs per merge");
		}
		this.table = table;
		this.order = table.rowOrderWithinLeadingKey();
		this.bufferRows = bufferRows;
		this.maxRuns = maxRuns;
		this.directory = directory;
		this.files = files;
	}

	/**
	 * Adds a row of the current group.
	 * @param row the row
	 * @throws IOException when a sorted run cannot be written; its file is deleted
	 */
	void add(Object[] row) throws IOException {
		if (this.rows.size() == this.bufferRows) {
			spill();
		}
		this.rows.add(row);
	}

	/**
	 * Hands every row of the current group to a sink in order, and starts the next group.
	 * @param sink receives the rows; once it returns false, the rest of the group is
	 * skipped
	 */
	void finishGroup(RowSink sink) throws IOException {
		this.rows.sort(this.order);
		if (this.runs.isEmpty()) {
			for (Object[] row : this.rows) {
				sink.accept(row);
			}
		}
		else {
			merge(List.copyOf(this.runs), sink);
			logger.info(
					"Sorted {} rows of {} {} = {} on disk: {} runs merged with {} rows in memory, {} ms since the"
							+ " first run",
					this.spilledRows + this.rows.size(), this.table.tableName(), this.table.leadingOrderColumn(),
					this.spilledKey, this.runs.size(), this.rows.size(),
					(System.nanoTime() - this.firstRunNanos) / 1_000_000);
			deleteRuns();
			this.spilledRows = 0;
			this.spilledKey = null;
		}
		this.rows.clear();
	}

	/**
	 * Returns the rows of the current group written to disk so far.
	 * @return the number of rows
	 */
	long spilledRows() {
		return this.spilledRows;
	}

	/** Deletes the run files left, if any, and their lock file. Safe to call twice. */
	@Override
	public void close() {
		this.rows.clear();
		deleteRuns();
	}

	/**
	 * Writes the rows in memory, sorted, to a new run; past {@link #maxRuns} runs, merges
	 * them all with those rows into one.
	 */
	private void spill() throws IOException {
		if (this.runs.isEmpty()) {
			this.firstRunNanos = System.nanoTime();
			this.spilledKey = this.rows.get(0)[this.table.columnIndex(this.table.leadingOrderColumn())];
		}
		this.rows.sort(this.order);
		// past maxRuns, the runs so far go into the new one with the rows
		List<Path> merged = (this.runs.size() == this.maxRuns) ? List.copyOf(this.runs) : List.of();
		Path run = newRun();
		try (OutputStream out = this.files.create(run)) {
			PgBinaryCopy.Writer writer = new PgBinaryCopy.Writer(out, this.table);
			merge(merged, (row) -> {
				writer.write(row);
				return true;
			});
			writer.finish();
		}
		catch (IOException | RuntimeException ex) {
			this.runs.remove(run);
			delete(List.of(run));
			throw new IOException("Cannot write " + this.rows.size() + " sorted rows of " + this.table.tableName() + " "
					+ this.table.leadingOrderColumn() + " = " + this.spilledKey + " to a temporary file in "
					+ this.directory + " (a group of more than " + this.bufferRows + " rows is sorted on disk): "
					+ ex.getMessage(), ex);
		}
		// only once the new run is whole
		this.runs.removeAll(merged);
		delete(merged);
		this.spilledRows += this.rows.size();
		this.rows.clear();
	}

	private Path newRun() throws IOException {
		Path run;
		try {
			if (this.owner == null) {
				// a configured directory is checked before a run starts, and may not
				// exist yet (a fresh volume); created when a group first needs it
				Files.createDirectories(this.directory);
				this.owner = SortRunOwner.claim(this.directory);
			}
			run = this.owner.newRun();
		}
		catch (IOException ex) {
			throw new IOException(
					"Cannot create a temporary file in " + this.directory + " to sort a group of more than "
							+ this.bufferRows + " rows of " + this.table.tableName() + " on disk: " + ex,
					ex);
		}
		this.runs.add(run);
		return run;
	}

	/**
	 * Merges runs and the sorted rows in memory, which come after them, into a sink: of
	 * equal rows the one of the earlier run first.
	 */
	private void merge(List<Path> files, RowSink sink) throws IOException {
		List<InputStream> streams = new ArrayList<>(files.size());
		try {
			PriorityQueue<Cursor> heads = new PriorityQueue<>(files.size() + 1,
					Comparator.<Cursor, Object[]>comparing((cursor) -> cursor.row, this.order)
						.thenComparingInt((cursor) -> cursor.run));
			for (int i = 0; i < files.size(); i++) {
				InputStream in = this.files.open(files.get(i));
				streams.add(in);
				Cursor cursor = new Cursor(i, new PgBinaryCopy.Reader(in, this.table), null);
				if (cursor.advance()) {
					heads.add(cursor);
				}
			}
			Cursor memory = new Cursor(files.size(), null, this.rows);
			if (memory.advance()) {
				heads.add(memory);
			}
			while (!heads.isEmpty()) {
				Cursor head = heads.poll();
				if (!sink.accept(head.row)) {
					return;
				}
				if (head.advance()) {
					heads.add(head);
				}
			}
		}
		finally {
			for (InputStream in : streams) {
				try {
					in.close();
				}
				catch (IOException ex) {
					logger.warn("Could not close a temporary sort file: {}", ex.toString());
				}
			}
		}
	}

	/** Deletes the runs, and then their lock file, which the next run creates anew. */
	private void deleteRuns() {
		delete(this.runs);
		this.runs.clear();
		if (this.owner != null) {
			this.owner.close();
			this.owner = null;
		}
	}

	private static void delete(List<Path> files) {
		for (Path file : files) {
			try {
				Files.deleteIfExists(file);
			}
			catch (IOException ex) {
				logger.warn("Could not delete the temporary sort file {}: {}", file, ex.toString());
			}
		}
	}

	/** Receives sorted rows, one at a time. */
	@FunctionalInterface
	interface RowSink {

		/**
		 * Receives a row.
		 * @param row the row
		 * @return whether to go on
		 */
		boolean accept(Object[] row) throws IOException;

	}

	/** Opens run files; tests inject faults here. */
	interface RunFiles {

		/** Run files on the local file system. */
		RunFiles LOCAL = new RunFiles() {
		};

		/** Opens a new run file for writing. */
		default OutputStream create(Path file) throws IOException {
			return Files.newOutputStream(file);
		}

		/** Opens a run file for reading. */
		default InputStream open(Path file) throws IOException {
			return Files.newInputStream(file);
		}

	}

	/** The next row of one run, or of the rows in memory. */
	private static final class Cursor {

		private final int run;

		private final PgBinaryCopy.Reader reader;

		private final List<Object[]> rows;

		private int next;

		private Object[] row;

		private Cursor(int run, PgBinaryCopy.Reader reader, List<Object[]> rows) {
			this.run = run;
			this.reader = reader;
			this.rows = rows;
		}

		private boolean advance() throws IOException {
			if (this.reader != null) {
				this.row = this.reader.next();
			}
			else {
				this.row = (this.next < this.rows.size()) ? this.rows.get(this.next++) : null;
			}
			return this.row != null;
		}

	}

}
