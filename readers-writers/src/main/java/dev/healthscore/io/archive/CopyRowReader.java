package dev.healthscore.io.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.healthscore.io.LogContext;
import org.postgresql.copy.PGCopyInputStream;

/**
 * Decodes the rows of a binary {@code COPY} in {@link ArchiveTable#leadingOrderColumn()}
 * order and sorts each user's rows by {@link ArchiveTable#rowOrderWithinLeadingKey()}
 * with a {@link GroupSorter} (in memory, or on disk beyond its buffer) on a thread of its
 * own, handing them over in batches, so that reading PostgreSQL's output and encoding
 * Parquet run on two cores. Closing it before the end stops the hand-over; the thread
 * then reads what is left of the {@code COPY} (cancelling instead would be racy, see
 * {@link PartitionExporter}), so the connection stays usable, and deletes the sorter's
 * files.
 */
final class CopyRowReader implements AutoCloseable {

	private static final int BATCH_ROWS = 1024;

	private static final int QUEUED_BATCHES = 8;

	private static final Batch END = new Batch(new Object[0][], 0);

	private final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(QUEUED_BATCHES);

	private final Thread thread;

	private volatile boolean closed;

	private volatile Throwable failure;

	/** When the first row arrived, 0 before. */
	private volatile long firstRowNanos;

	private boolean ended;

	/** The reader thread's batch being filled. */
	private Batch batch = new Batch(new Object[BATCH_ROWS][], 0);

	/**
	 * Starts reading.
	 * @param copy the {@code COPY}'s bytes, a {@link PGCopyInputStream} or any stream
	 * @param table the table
	 * @param sorter sorts each group; closed by the reader's thread when it ends
	 */
	CopyRowReader(InputStream copy, ArchiveTable table, GroupSorter sorter) {
		this.thread = new Thread(LogContext.carry(() -> run(copy, table, sorter)), "archive-copy-reader");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/**
	 * Returns the next batch of rows.
	 * @return the batch, or null after the last row
	 */
	Batch next() throws IOException {
		if (this.ended) {
			return null;
		}
		Batch batch;
		try {
			batch = this.queue.take();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new InterruptedIOException("Interrupted while reading COPY rows");
		}
		if (batch != END) {
			return batch;
		}
		this.ended = true;
		Throwable cause = this.failure;
		if (cause instanceof IOException io) {
			throw io;
		}
		if (cause instanceof RuntimeException runtime) {
			throw runtime;
		}
		if (cause != null) {
			throw new IOException("Cannot read COPY rows: " + cause, cause);
		}
		return null;
	}

	/**
	 * Returns when the first row (or the end) arrived.
	 * @return the {@link System#nanoTime()}, or 0 before
	 */
	long firstRowNanos() {
		return this.firstRowNanos;
	}

	/**
	 * Stops the hand-over and waits until the thread has read the rest of the
	 * {@code COPY}. Safe to call twice.
	 */
	@Override
	public void close() {
		this.closed = true;
		this.queue.clear();
		boolean interrupted = false;
		while (this.thread.isAlive()) {
			try {
				this.thread.join();
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	private void run(InputStream copy, ArchiveTable table, GroupSorter group) {
		PgBinaryCopy.Reader rows = new PgBinaryCopy.Reader(copy, table);
		try {
			int lead = table.columnIndex(table.leadingOrderColumn());
			Object key = null;
			Object[] first = rows.next();
			this.firstRowNanos = System.nanoTime();
			for (Object[] row = first; row != null && !this.closed; row = rows.next()) {
				if (key != null && !row[lead].equals(key)) {
					if (ArchiveTable.compare(row[lead], key) < 0) {
						throw new IOException("COPY rows are not in " + table.leadingOrderColumn() + " order: "
								+ row[lead] + " after " + key);
					}
					group.finishGroup(this::handRow);
				}
				key = row[lead];
				group.add(row);
			}
			if (!this.closed) {
				group.finishGroup(this::handRow);
				if (this.batch.size > 0) {
					hand(this.batch);
				}
			}
		}
		catch (Throwable ex) {
			this.failure = ex;
		}
		finally {
			drain(rows);
			group.close();
			hand(END);
		}
	}

	/**
	 * Adds a row of a sorted group to the batch being filled, handing it over once full.
	 * @return false once the consumer has closed the reader (looked at only when a batch
	 * is handed over, which is where a closed reader stops waiting)
	 */
	private boolean handRow(Object[] row) {
		this.batch.rows[this.batch.size] = row;
		if (++this.batch.size == BATCH_ROWS) {
			hand(this.batch);
			this.batch = new Batch(new Object[BATCH_ROWS][], 0);
			return !this.closed;
		}
		return true;
	}

	private void hand(Batch batch) {
		try {
			while (!this.closed && !this.queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
				// the consumer is busy: wait, unless it closes meanwhile
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.closed = true;
		}
	}

	private void drain(PgBinaryCopy.Reader rows) {
		try {
			rows.finish();
		}
		catch (IOException | RuntimeException ex) {
			if (this.failure != null) {
				this.failure.addSuppressed(ex);
			}
			else {
				this.failure = ex;
			}
		}
	}

	/** Rows in COPY order; {@code size} of them are set. */
	static final class Batch {

		private final Object[][] rows;

		private int size;

		private Batch(Object[][] rows, int size) {
			this.rows = rows;
			this.size = size;
		}

		int size() {
			return this.size;
		}

		Object[] row(int index) {
			return this.rows[index];
		}

	}

}
