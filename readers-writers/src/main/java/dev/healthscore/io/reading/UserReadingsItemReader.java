package dev.healthscore.io.reading;

import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.healthscore.io.LogContext;
import dev.healthscore.io.jdbc.ReadOnlyTransaction;
import dev.healthscore.io.replica.ReadSource;
import dev.healthscore.io.replica.RecoveryConflicts;
import dev.healthscore.io.replica.ReplicaReads;
import dev.healthscore.scoring.Metric;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.util.Assert;

/**
 * Reads one {@link ScoringWork} per user, in user id order, by keyset over blocks of
 * users: every block is two short queries, so memory stays bounded by the block size and
 * no query holds a snapshot for long. Restartable: the last user handed out is kept in
 * the {@link ExecutionContext}.
 */
public class UserReadingsItemReader implements ItemStreamReader<ScoringWork> {

	private static final Logger logger = LoggerFactory.getLogger(UserReadingsItemReader.class);

	private final String name;

	private final DataSource dataSource;

	private final Supplier<ReadSource> readSource;

	/**
	 * Blocks read from the primary because the replica lagged or was down (lag policy
	 * primary), counted when their last user is handed out: what the chunks committed so
	 * far read when {@link #update} saves it, carried over a restart.
	 */
	private long blocksFromPrimary;

	/** The last users of the blocks in the buffer that were read from the primary. */
	private final Deque<Long> primaryBlockEnds = new ArrayDeque<>();

	private final UserBlock block;

	private final int blockSize;

	private final long[] selectedUsers;

	private final long minUserIdExclusive;

	private final long maxUserIdInclusive;

	private final Deque<ScoringWork> buffer = new ArrayDeque<>();

	private long lastReadUserId;

	private long lastLoadedUserId;

	private boolean exhausted;

	private ExecutorService readAheadExecutor;

	private CompletableFuture<Read> readAhead;

	UserReadingsItemReader(Builder builder) {
		this.name = builder.name;
		this.dataSource = builder.dataSource;
		this.readSource = builder.readSource;
		this.block = new UserBlock(
				new UserBlock.ReadWindow(builder.firstDay, builder.lastDay, builder.lookbackDays, builder.metrics),
				builder.shardIndex, builder.shardCount);
		this.blockSize = builder.blockSize;
		this.selectedUsers = builder.selectedUsers;
		this.minUserIdExclusive = builder.minUserIdExclusive;
		this.maxUserIdInclusive = builder.maxUserIdInclusive;
	}

	/** Starts a builder. */
	public static Builder builder() {
		return new Builder();
	}

	@Override
	public void open(ExecutionContext executionContext) {
		this.lastReadUserId = executionContext.getLong(key("lastUserId"), this.minUserIdExclusive);
		this.lastLoadedUserId = this.lastReadUserId;
		this.blocksFromPrimary = executionContext.getLong(key("blocksFromPrimary"), 0);
		this.buffer.clear();
		this.primaryBlockEnds.clear();
		this.exhausted = false;
		this.readAhead = null;
		this.readAheadExecutor = Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, this.name + "-read-ahead");
			thread.setDaemon(true);
			return thread;
		});
		if (this.lastReadUserId != this.minUserIdExclusive) {
			logger.info("{}: resuming after user {}", this.name, this.lastReadUserId);
		}
	}

	@Override
	public ScoringWork read() {
		if (this.buffer.isEmpty() && !this.exhausted) {
			loadNextBlock();
		}
		ScoringWork next = this.buffer.poll();
		if (next != null) {
			this.lastReadUserId = next.inputs().userId();
			Long primaryBlockEnd = this.primaryBlockEnds.peek();
			if (primaryBlockEnd != null && primaryBlockEnd == this.lastReadUserId) {
				this.primaryBlockEnds.poll();
				this.blocksFromPrimary++;
			}
		}
		return next;
	}

	private void loadNextBlock() {
		Read read = (this.readAhead != null) ? awaitReadAhead() : load(this.lastLoadedUserId);
		UserBlock.Loaded loaded = read.loaded();
		this.buffer.addAll(loaded.work());
		this.exhausted = loaded.last();
		if (!loaded.work().isEmpty()) {
			this.lastLoadedUserId = loaded.work().get(loaded.work().size() - 1).inputs().userId();
			if (read.fromPrimary()) {
				this.primaryBlockEnds.add(this.lastLoadedUserId);
			}
		}
		if (!this.exhausted) {
			// read the next block while this one is scored and written: database and JVM
			// overlap
			long after = this.lastLoadedUserId;
			this.readAhead = CompletableFuture.supplyAsync(LogContext.carrySupplier(() -> load(after)),
					this.readAheadExecutor);
		}
	}

	private Read awaitReadAhead() {
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

	private Read load(long afterUserId) {
		long start = System.nanoTime();
		try {
			Read read;
			if (this.readSource == null) {
				read = RecoveryConflicts.retry(this.name + ": users after " + afterUserId, () -> loadOnce(afterUserId));
			}
			else {
				// a replica cancels queries that conflict with replay, or goes away:
				// the block is read again, where the lag policy says
				read = ReplicaReads.read(this.name + ": users after " + afterUserId, () -> loadOnce(afterUserId));
			}
			if (logger.isDebugEnabled()) {
				logger.debug("{}: read {} users{} in {} ms", this.name, read.loaded().work().size(),
						(afterUserId != Long.MIN_VALUE) ? " after user " + afterUserId : "",
						(System.nanoTime() - start) / 1_000_000);
			}
			return read;
		}
		catch (SQLException ex) {
			throw new ItemStreamException("Could not read the users after " + afterUserId, ex);
		}
	}

	private Read loadOnce(long afterUserId) throws SQLException {
		ReadSource source = (this.readSource != null) ? this.readSource.get() : null;
		DataSource from = (source != null) ? source.dataSource() : this.dataSource;
		UserBlock.Loaded loaded = ReadOnlyTransaction.run(from,
				(connection) -> this.block.load(connection, afterUserId, this.maxUserIdInclusive, this.blockSize,
						this.selectedUsers, (source != null) ? source.inputsAsOf() : null));
		return new Read(loaded, source != null && source.fromPrimary());
	}

	@Override
	public void update(ExecutionContext executionContext) {
		executionContext.putLong(key("lastUserId"), this.lastReadUserId);
		executionContext.putLong(key("blocksFromPrimary"), this.blocksFromPrimary);
	}

	@Override
	public void close() {
		this.buffer.clear();
		this.primaryBlockEnds.clear();
		if (this.readAhead != null) {
			this.readAhead.cancel(true);
			this.readAhead = null;
		}
		if (this.readAheadExecutor != null) {
			this.readAheadExecutor.shutdownNow();
		}
	}

	private String key(String suffix) {
		return this.name + "." + suffix;
	}

	/**
	 * A block as read, and whether it was read from the primary because the replica
	 * lagged or was down.
	 */
	private record Read(UserBlock.Loaded loaded, boolean fromPrimary) {

	}

	/**
	 * Builds a {@link UserReadingsItemReader}, checking every setting in
	 * {@link #build()}.
	 */
	public static final class Builder {

		private String name;

		private DataSource dataSource;

		private Supplier<ReadSource> readSource;

		private LocalDate firstDay;

		private LocalDate lastDay;

		private int lookbackDays = -1;

		private Metric[] metrics;

		private int blockSize = 200;

		private long[] selectedUsers;

		private long minUserIdExclusive = Long.MIN_VALUE;

		private long maxUserIdInclusive = Long.MAX_VALUE;

		private int shardIndex;

		private int shardCount = 1;

		/**
		 * Restricts reading to shard {@code index} of {@code count}: the users whose id
		 * modulo {@code count} is {@code index}, so that {@code count} processes share
		 * all users with no coordination and no overlap.
		 */
		public Builder shard(int index, int count) {
			this.shardIndex = index;
			this.shardCount = count;
			return this;
		}

		/** The name under which the reader keeps its position. */
		public Builder name(String name) {
			this.name = name;
			return this;
		}

		/** Where readings and users are read from. */
		public Builder dataSource(DataSource dataSource) {
			this.dataSource = dataSource;
			return this;
		}

		/**
		 * Where each block is read from, asked before every block (e.g. a replica, after
		 * a lag check), and the point its inputs are complete to; replaces
		 * {@link #dataSource}.
		 */
		public Builder readSource(Supplier<ReadSource> readSource) {
			this.readSource = readSource;
			return this;
		}

		/** The local days to score, inclusive. */
		public Builder days(LocalDate firstDay, LocalDate lastDay) {
			this.firstDay = firstDay;
			this.lastDay = lastDay;
			return this;
		}

		/** How many days before the first day to read too. */
		public Builder lookbackDays(int lookbackDays) {
			this.lookbackDays = lookbackDays;
			return this;
		}

		/** The metrics to read. */
		public Builder metrics(Iterable<Metric> metrics) {
			List<Metric> list = new ArrayList<>();
			metrics.forEach(list::add);
			this.metrics = list.toArray(Metric[]::new);
			return this;
		}

		/** How many users one block of queries reads. */
		public Builder blockSize(int blockSize) {
			this.blockSize = blockSize;
			return this;
		}

		/** Restricts reading to these users; {@code null} or empty for all users. */
		public Builder users(long[] userIds) {
			this.selectedUsers = (userIds != null && userIds.length > 0)
					? Arrays.stream(userIds).sorted().distinct().toArray() : null;
			return this;
		}

		/** Restricts reading to users in {@code (minExclusive, maxInclusive]}. */
		public Builder userIdRange(long minExclusive, long maxInclusive) {
			this.minUserIdExclusive = minExclusive;
			this.maxUserIdInclusive = maxInclusive;
			return this;
		}

		/** Builds the reader. */
		public UserReadingsItemReader build() {
			Assert.hasText(this.name, "A name is required to keep the reader's position");
			Assert.isTrue(this.dataSource != null || this.readSource != null,
					"A dataSource or a readSource is required");
			Assert.notNull(this.firstDay, "The days to score are required");
			Assert.isTrue(!this.lastDay.isBefore(this.firstDay),
					() -> "Invalid day range, last day is before first: %s..%s".formatted(this.firstDay, this.lastDay));
			Assert.isTrue(this.lookbackDays >= 0, "lookbackDays is required and must not be negative");
			Assert.notEmpty(this.metrics, "At least one metric is required");
			Assert.isTrue(this.blockSize > 0, () -> "blockSize must be positive, was " + this.blockSize);
			Assert.isTrue(this.minUserIdExclusive < this.maxUserIdInclusive, () -> String.format(Locale.ROOT,
					"Invalid user id range (%d, %d]", this.minUserIdExclusive, this.maxUserIdInclusive));
			Assert.isTrue(this.shardCount > 0 && this.shardIndex >= 0 && this.shardIndex < this.shardCount,
					() -> String.format(Locale.ROOT, "Invalid shard %d/%d, expected 0 <= index < count",
							this.shardIndex, this.shardCount));
			return new UserReadingsItemReader(this);
		}

	}

}
