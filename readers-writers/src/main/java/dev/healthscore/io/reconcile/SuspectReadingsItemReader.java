package dev.healthscore.io.reconcile;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import javax.sql.DataSource;

import dev.healthscore.io.LogContext;
import dev.healthscore.scoring.ScoringAlgorithm;
import dev.healthscore.io.jdbc.ReadOnlyTransaction;
import dev.healthscore.io.replica.ReadSource;
import dev.healthscore.io.replica.ReplicaReads;
import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.io.replica.WalPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.util.Assert;

/**
 * Reads one item per user with suspects of a reconcile run, in user id order, in blocks
 * of users: the user's {@link ReconcileWork}, turned into the item by the {@code prepare}
 * function on the read threads (scoring it there takes it off the chunk's thread). Only
 * the suspect days and their lookback are read, so the cost follows the number of
 * suspects, not the size of the range. The users with suspects are listed once, when
 * reading starts, and split into blocks; the next blocks are read on {@code readThreads}
 * threads at once while the current ones are scored and written. Restartable: the last
 * user handed out is kept in the {@link ExecutionContext}.
 * <p>
 * The suspects are listed on the primary, where the detection wrote them; each block is
 * read where the {@link ReplicaGate} says, from the replica once it has replayed the
 * primary's WAL up to where it was when reading started: the suspects and every change
 * the detection saw are there then. A block that a recovery conflict cancelled is read
 * again; one whose replica went away is read again where the lag policy says.
 */
public class SuspectReadingsItemReader<T> implements ItemStreamReader<T> {

	/**
	 * The key, after the reader's name and a dot, of how many blocks it read, in the
	 * {@link ExecutionContext}.
	 */
	public static final String BLOCKS = "blocks";

	/**
	 * The key, after the reader's name and a dot, of how many of them were read from the
	 * primary.
	 */
	public static final String BLOCKS_FROM_PRIMARY = "blocksFromPrimary";

	private static final Logger logger = LoggerFactory.getLogger(SuspectReadingsItemReader.class);

	private final String name;

	private final DataSource dataSource;

	private final ReplicaGate readSources;

	private final SuspectBlock block;

	private final int blockSize;

	private final int readThreads;

	private final Function<ReconcileWork, T> prepare;

	private final Deque<Prepared<T>> buffer = new ArrayDeque<>();

	private final Deque<CompletableFuture<List<Prepared<T>>>> readAhead = new ArrayDeque<>();

	private Deque<SuspectBlock.Users> blocks;

	private long lastReadUserId;

	private WalPosition detected;

	/**
	 * Blocks whose every user was handed out: what the chunks committed so far read, when
	 * {@link #update} saves it, so a restart does not count a block read ahead twice.
	 */
	private int blocksRead;

	private int blocksFromPrimary;

	private ExecutorService readAheadExecutor;

	/**
	 * Creates a reader.
	 * @param name the name under which the reader keeps its position
	 * @param dataSource the primary, where the suspects are listed from
	 * @param readSources where each block's suspects, users and readings are read from
	 * @param jobInstanceId the reconcile job instance whose suspects to read
	 * @param algorithm the algorithm the work is for (its metrics and lookback)
	 * @param blockSize how many users one block of queries reads
	 * @param readThreads how many blocks are read at once, ahead of the one handed out
	 * @param prepare what each user's work becomes, on the read threads (thread-safe)
	 */
	public SuspectReadingsItemReader(String name, DataSource dataSource, ReplicaGate readSources, long jobInstanceId,
			ScoringAlgorithm algorithm, int blockSize, int readThreads, Function<ReconcileWork, T> prepare) {
		Assert.hasText(name, "A name is required to keep the reader's position");
		Assert.notNull(dataSource, "A dataSource is required");
		Assert.notNull(readSources, "A replica gate is required");
		Assert.notNull(algorithm, "An algorithm is required");
		Assert.isTrue(blockSize > 0, () -> "blockSize must be positive, was " + blockSize);
		Assert.isTrue(readThreads > 0, () -> "readThreads must be positive, was " + readThreads);
		Assert.notNull(prepare, "A prepare function is required");
		this.name = name;
		this.dataSource = dataSource;
		this.readSources = readSources;
		this.block = new SuspectBlock(jobInstanceId, algorithm.lookbackDays(), algorithm.inputMetrics(),
				algorithm.lookbackMetrics());
		this.blockSize = blockSize;
		this.readThreads = readThreads;
		this.prepare = prepare;
	}

	@Override
	public void open(ExecutionContext executionContext) {
		this.lastReadUserId = executionContext.getLong(key(), Long.MIN_VALUE);
		this.blocksRead = executionContext.getInt(key(BLOCKS), 0);
		this.blocksFromPrimary = executionContext.getInt(key(BLOCKS_FROM_PRIMARY), 0);
		// taken after the detection committed: a replica that replayed it has the
		// suspects
		this.detected = this.readSources.primaryPosition();
		this.buffer.clear();
		this.readAhead.clear();
		this.blocks = null;
		AtomicInteger threads = new AtomicInteger();
		this.readAheadExecutor = Executors.newFixedThreadPool(this.readThreads, (task) -> {
			Thread thread = new Thread(task, this.name + "-read-ahead-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		if (this.lastReadUserId != Long.MIN_VALUE) {
			logger.info("{}: resuming after user {}", this.name, this.lastReadUserId);
		}
	}

	@Override
	public T read() {
		if (this.blocks == null) {
			this.blocks = new ArrayDeque<>(listBlocks(this.lastReadUserId));
		}
		while (this.buffer.isEmpty() && !(this.blocks.isEmpty() && this.readAhead.isEmpty())) {
			// keep every read thread busy, with one more block queued for each: database
			// and JVM overlap
			while (this.readAhead.size() < 2 * this.readThreads && !this.blocks.isEmpty()) {
				SuspectBlock.Users next = this.blocks.poll();
				this.readAhead.add(CompletableFuture.supplyAsync(LogContext.carrySupplier(() -> load(next)),
						this.readAheadExecutor));
			}
			this.buffer.addAll(awaitReadAhead(this.readAhead.poll()));
		}
		Prepared<T> next = this.buffer.poll();
		if (next == null) {
			return null;
		}
		this.lastReadUserId = next.userId();
		if (next.endsBlock()) {
			this.blocksRead++;
			if (next.fromPrimary()) {
				this.blocksFromPrimary++;
			}
		}
		return next.item();
	}

	private List<SuspectBlock.Users> listBlocks(long afterUserId) {
		try {
			return ReadOnlyTransaction.run(this.dataSource,
					(connection) -> this.block.blocks(connection, afterUserId, this.blockSize));
		}
		catch (SQLException ex) {
			throw new ItemStreamException("Could not list the users with suspects after " + afterUserId, ex);
		}
	}

	private static <T> List<Prepared<T>> awaitReadAhead(CompletableFuture<List<Prepared<T>>> loading) {
		try {
			return loading.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw ex;
		}
	}

	private List<Prepared<T>> load(SuspectBlock.Users users) {
		Loaded loaded = loadWork(users);
		List<ReconcileWork> work = loaded.work();
		List<Prepared<T>> prepared = new ArrayList<>(work.size());
		for (int i = 0; i < work.size(); i++) {
			ReconcileWork user = work.get(i);
			prepared.add(new Prepared<>(user.userId(), this.prepare.apply(user), i == work.size() - 1,
					loaded.fromPrimary()));
		}
		return prepared;
	}

	private Loaded loadWork(SuspectBlock.Users users) {
		try {
			return ReplicaReads.read(this.name + ": suspects of the users " + users, () -> loadOnce(users));
		}
		catch (SQLException ex) {
			throw new ItemStreamException("Could not read the suspects of the users " + users, ex);
		}
	}

	private Loaded loadOnce(SuspectBlock.Users users) throws SQLException {
		ReadSource source = this.readSources.readSource(this.detected);
		List<ReconcileWork> work = ReadOnlyTransaction.run(source.dataSource(),
				(connection) -> this.block.load(connection, users, source.inputsAsOf()));
		return new Loaded(work, source.fromPrimary());
	}

	@Override
	public void update(ExecutionContext executionContext) {
		executionContext.putLong(key(), this.lastReadUserId);
		executionContext.putInt(key(BLOCKS), this.blocksRead);
		executionContext.putInt(key(BLOCKS_FROM_PRIMARY), this.blocksFromPrimary);
	}

	@Override
	public void close() {
		this.buffer.clear();
		this.readAhead.forEach((loading) -> loading.cancel(true));
		this.readAhead.clear();
		if (this.readAheadExecutor != null) {
			this.readAheadExecutor.shutdownNow();
		}
	}

	private String key() {
		return key("lastUserId");
	}

	private String key(String suffix) {
		return this.name + "." + suffix;
	}

	/**
	 * A user's item, as prepared on a read thread, whether it is its block's last and
	 * where the block was read.
	 */
	private record Prepared<T>(long userId, T item, boolean endsBlock, boolean fromPrimary) {

	}

	/** A block's work and whether it was read from the primary. */
	private record Loaded(List<ReconcileWork> work, boolean fromPrimary) {

	}

}
