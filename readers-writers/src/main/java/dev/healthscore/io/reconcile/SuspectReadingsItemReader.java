package dev.healthscore.io.reconcile;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.sql.DataSource;

import dev.healthscore.scoring.ScoringAlgorithm;
import dev.healthscore.io.jdbc.ReadOnlyTransaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.util.Assert;

/**
 * Reads one {@link ReconcileWork} per user with suspects of a reconcile run, in user id
 * order, by keyset over blocks of users. Only the suspect days and their lookback are
 * read, so the cost follows the number of suspects, not the size of the range. The next
 * block is read while the current one is scored and written. Restartable: the last user
 * handed out is kept in the {@link ExecutionContext}.
 */
public class SuspectReadingsItemReader implements ItemStreamReader<ReconcileWork> {

	private static final Logger logger = LoggerFactory.getLogger(SuspectReadingsItemReader.class);

	private final String name;

	private final DataSource dataSource;

	private final SuspectBlock block;

	private final int blockSize;

	private final Deque<ReconcileWork> buffer = new ArrayDeque<>();

	private long lastReadUserId;

	private long lastLoadedUserId;

	private boolean exhausted;

	private ExecutorService readAheadExecutor;

	private CompletableFuture<SuspectBlock.Loaded> readAhead;

	/**
	 * Creates a reader.
	 * @param name the name under which the reader keeps its position
	 * @param dataSource where suspects, users and readings are read from
	 * @param jobInstanceId the reconcile job instance whose suspects to read
	 * @param algorithm the algorithm the work is for (its metrics and lookback)
	 * @param blockSize how many users one block of queries reads
	 */
	public SuspectReadingsItemReader(String name, DataSource dataSource, long jobInstanceId, ScoringAlgorithm algorithm,
			int blockSize) {
		Assert.hasText(name, "A name is required to keep the reader's position");
		Assert.notNull(dataSource, "A dataSource is required");
		Assert.notNull(algorithm, "An algorithm is required");
		Assert.isTrue(blockSize > 0, () -> "blockSize must be positive, was " + blockSize);
		this.name = name;
		this.dataSource = dataSource;
		this.block = new SuspectBlock(jobInstanceId, algorithm.lookbackDays(), algorithm.inputMetrics(),
				algorithm.lookbackMetrics());
		this.blockSize = blockSize;
	}

	@Override
	public void open(ExecutionContext executionContext) {
		this.lastReadUserId = executionContext.getLong(key(), Long.MIN_VALUE);
		this.lastLoadedUserId = this.lastReadUserId;
		this.buffer.clear();
		this.exhausted = false;
		this.readAhead = null;
		this.readAheadExecutor = Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, this.name + "-read-ahead");
			thread.setDaemon(true);
			return thread;
		});
		if (this.lastReadUserId != Long.MIN_VALUE) {
			logger.info("{}: resuming after user {}", this.name, this.lastReadUserId);
		}
	}

	@Override
	public ReconcileWork read() {
		if (this.buffer.isEmpty() && !this.exhausted) {
			loadNextBlock();
		}
		ReconcileWork next = this.buffer.poll();
		if (next != null) {
			this.lastReadUserId = next.userId();
		}
		return next;
	}

	private void loadNextBlock() {
		SuspectBlock.Loaded loaded = (this.readAhead != null) ? awaitReadAhead() : load(this.lastLoadedUserId);
		this.buffer.addAll(loaded.work());
		this.exhausted = loaded.last();
		if (!loaded.work().isEmpty()) {
			this.lastLoadedUserId = loaded.work().get(loaded.work().size() - 1).userId();
		}
		if (!this.exhausted) {
			// read the next block while this one is scored and written: database and JVM
			// overlap
			long after = this.lastLoadedUserId;
			this.readAhead = CompletableFuture.supplyAsync(() -> load(after), this.readAheadExecutor);
		}
	}

	private SuspectBlock.Loaded awaitReadAhead() {
		try {
			return this.readAhead.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw ex;
		}
		finally {
			this.readAhead = null;
		}
	}

	private SuspectBlock.Loaded load(long afterUserId) {
		try {
			return ReadOnlyTransaction.run(this.dataSource,
					(connection) -> this.block.load(connection, afterUserId, this.blockSize));
		}
		catch (SQLException ex) {
			throw new ItemStreamException("Could not read the suspects of the users after " + afterUserId, ex);
		}
	}

	@Override
	public void update(ExecutionContext executionContext) {
		executionContext.putLong(key(), this.lastReadUserId);
	}

	@Override
	public void close() {
		this.buffer.clear();
		if (this.readAhead != null) {
			this.readAhead.cancel(true);
			this.readAhead = null;
		}
		if (this.readAheadExecutor != null) {
			this.readAheadExecutor.shutdownNow();
		}
	}

	private String key() {
		return this.name + ".lastUserId";
	}

}
