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

	private static final Batch END = new Batch(null);

	private final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(QUEUED_BATCHES);

	private final Thread thread;

	private volatile boolean closed;

	private volatile Throwable failure;

	/** When the first row arrived, 0 before. */
	private volatile long firstRowNanos;

	private boolean ended;

	/** Batches the consumer is done with, for the reader thread to fill again. */
	private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(QUEUED_BATCHES + 2);

	private final ArchiveTable table;

	/** The reader thread's batch being filled. */
	private Batch batch;

	/** The consumer's batch, handed back at its next call of {@link #next()}. */
	private Batch consumed;

	/**
	 * Starts reading.
	 * @param copy the {@code COPY}'s bytes, a {@link PGCopyInputStream} or any stream
	 * @param table the table
	 * @param sorter sorts each group; closed by the reader's thread when it ends
	 */
	CopyRowReader(InputStream copy, ArchiveTable table, GroupSorter sorter) {
		this.table = table;
		this.batch = new Batch(new RowBlock(table, BATCH_ROWS));
		this.thread = new Thread(LogContext.carry(() -> run(copy, table, sorter)), "archive-copy-reader");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/**
	 * Returns the next batch of rows, valid until the next call: its block is then filled
	 * again.
	 * @return the batch, or null after the last row
	 */
	Batch next() throws IOException {
		if (this.consumed != null) {
			this.free.offer(this.consumed);
			this.consumed = null;
		}
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
			this.consumed = batch;
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
			// the row just read, and the group's leading key in the other block's row 0
			RowBlock row = new RowBlock(table, 1);
			RowBlock key = new RowBlock(table, 1);
			boolean more = rows.next(row);
			this.firstRowNanos = System.nanoTime();
			for (; more && !this.closed; more = rows.next(row)) {
				if (key.size() > 0 && !row.sameValue(lead, 0, key, 0)) {
					if (row.compareValue(lead, 0, key, 0) < 0) {
						throw new IOException("COPY rows are not in " + table.leadingOrderColumn() + " order: "
								+ row.value(lead, 0) + " after " + key.value(lead, 0));
					}
					group.finishGroup(this::handRow);
					key.clear();
				}
				if (key.size() == 0) {
					key.add(row, 0);
				}
				group.add(row, 0);
				row.clear();
			}
			if (!this.closed) {
				group.finishGroup(this::handRow);
				if (this.batch.size() > 0) {
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
	private boolean handRow(RowBlock block, int row) {
		this.batch.rows.add(block, row);
		if (this.batch.size() == BATCH_ROWS) {
			hand(this.batch);
			Batch next = this.free.poll();
			if (next == null) {
				next = new Batch(new RowBlock(this.table, BATCH_ROWS));
			}
			next.rows.clear();
			this.batch = next;
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

	/** Rows in sorted order, in a block. */
	static final class Batch {

		private final RowBlock rows;

		private Batch(RowBlock rows) {
			this.rows = rows;
		}

		int size() {
			return this.rows.size();
		}

		/**
		 * Returns the block that holds the rows, in order.
		 * @return the block
		 */
		RowBlock rows() {
			return this.rows;
		}

		/**
		 * Returns a row with the value classes of {@link ArchiveColumn}.
		 * @param index its index
		 * @return a new array
		 */
		Object[] row(int index) {
			return this.rows.row(index);
		}

	}

}
