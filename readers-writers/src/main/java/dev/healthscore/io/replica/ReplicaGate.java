package dev.healthscore.io.replica;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import javax.sql.DataSource;

import dev.healthscore.io.Causes;
import dev.healthscore.io.Durations;
import dev.healthscore.io.jdbc.ConnectionRefusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.util.Assert;

/**
 * Decides, before a range is read, where to read it from: measures the replica's lag and
 * applies the {@link LagPolicy} to it, a replica that is down included.
 * <p>
 * The {@link ReadSource#inputsAsOf()} it returns is a lower bound of what the read will
 * see, because replay only moves forward between the decision and the read: when the
 * replica has replayed all WAL the primary had inserted (commits with
 * {@code synchronous_commit} off not yet written included), it is the primary's
 * {@code now()} taken just before that WAL position was read; when the replica is behind
 * (but within the maximum), it is the commit time of the last transaction the replica
 * replayed ({@code pg_last_xact_replay_timestamp()}), never the replica's own clock,
 * which runs on while replay lags; when reading from the primary, the primary's
 * {@code now()}.
 * <p>
 * Every policy makes the primary flush its WAL ({@link ReplicaLagProbe#flushPrimary}),
 * once per decision, when the replica has received all the primary had flushed and the
 * primary has inserted more: the WAL of a transaction still open on the primary would
 * otherwise stay unflushed, and the replica behind, until something else flushed it (on
 * an idle primary, 15 seconds or more). {@link LagPolicy#FAIL} and
 * {@link LagPolicy#PRIMARY} then give the replica up to {@link #FLUSH_GRACE} before they
 * judge its lag.
 * <p>
 * A replica that is not a standby of the primary ({@link NotAStandbyException}: another
 * cluster, a promoted standby, a standby on another timeline than the primary's) is never
 * read: its data is not the primary's. It does not mend by itself, so
 * {@link LagPolicy#WAIT} does not wait for it: it fails at once, as
 * {@link LagPolicy#FAIL} does, and {@link LagPolicy#PRIMARY} reads the primary, with a
 * warning for each range saying what to correct. {@link #checkStandby()} checks it before
 * a run.
 */
public final class ReplicaGate {

	/** How long {@link LagPolicy#WAIT} waits unless told otherwise. */
	public static final Duration WAIT_TIMEOUT_DEFAULT = Duration.ofMinutes(5);

	/**
	 * The longest pause of {@link LagPolicy#WAIT} between two measurements unless told
	 * otherwise.
	 */
	public static final Duration POLL_INTERVAL_DEFAULT = Duration.ofSeconds(1);

	/**
	 * The first pause of {@link LagPolicy#WAIT}, each next one twice as long up to the
	 * poll interval: a job that waits for its own writes to be replayed usually waits a
	 * few milliseconds, and a whole poll interval would cost it more than its work.
	 */
	static final Duration FIRST_PAUSE = Duration.ofMillis(10);

	/**
	 * How long {@link LagPolicy#FAIL} and {@link LagPolicy#PRIMARY} give the replica to
	 * replay what they made the primary flush, before they judge the lag: the WAL writer
	 * flushes within {@code wal_writer_delay} (200 ms by default).
	 */
	static final Duration FLUSH_GRACE = Duration.ofSeconds(1);

	private static final Logger logger = LoggerFactory.getLogger(ReplicaGate.class);

	private final DataSource primary;

	private final DataSource replica;

	private final Supplier<ReplicaLag> lagSource;

	private final Supplier<Instant> primaryClock;

	private final Supplier<WalPosition> primaryPosition;

	private final Runnable primaryFlush;

	private final Runnable standbyCheck;

	private final LagPolicy policy;

	private final LagLimit limit;

	private final Duration waitTimeout;

	private final Duration pollInterval;

	private final Pause pause;

	private final LongSupplier nanoTime;

	private final AtomicBoolean noReplicaLogged = new AtomicBoolean();

	private ReplicaGate(Builder builder, Supplier<ReplicaLag> lagSource, Supplier<Instant> primaryClock,
			Supplier<WalPosition> primaryPosition, Runnable primaryFlush, Runnable standbyCheck) {
		this.primary = builder.primary;
		this.replica = builder.replica;
		this.lagSource = lagSource;
		this.primaryClock = primaryClock;
		this.primaryPosition = primaryPosition;
		this.primaryFlush = primaryFlush;
		this.standbyCheck = standbyCheck;
		this.policy = builder.policy;
		this.limit = new LagLimit(builder.maxLag, builder.maxLagBytes);
		this.waitTimeout = builder.waitTimeout;
		this.pollInterval = builder.pollInterval;
		this.pause = builder.pause;
		this.nanoTime = builder.nanoTime;
	}

	/** Starts a builder. */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Measures the replica and decides where to read the next range from.
	 * @throws ReplicaLagException when the policy is {@link LagPolicy#FAIL} and the
	 * replica lags too much or is down, or {@link LagPolicy#WAIT} waited in vain
	 */
	public ReadSource readSource() {
		return readSource(null);
	}

	/**
	 * Like {@link #readSource()}, and the replica also counts as lagging until it has
	 * replayed the primary's WAL up to {@code position}: what a job wrote or saw on the
	 * primary before it took the position (see {@link #primaryPosition()}) is then
	 * visible on the replica too.
	 * @param position a position of the primary's WAL; {@code null} for none
	 * @throws ReplicaLagException when the policy is {@link LagPolicy#FAIL} and the
	 * replica has not replayed it, or {@link LagPolicy#WAIT} waited in vain
	 */
	public ReadSource readSource(WalPosition position) {
		if (this.replica == null) {
			if (!this.noReplicaLogged.getAndSet(true)) {
				logger.info("No replica configured: reading from the primary");
			}
			return new ReadSource(this.primary, true, this.primaryClock.get());
		}
		long started = this.nanoTime.getAsLong();
		boolean waited = false;
		Long flushedAt = null;
		Duration pause = atMostPollInterval(FIRST_PAUSE);
		while (true) {
			Observation seen = observe(position);
			if (seen.admitted(this.limit)) {
				if (waited) {
					logger.info("Replica is {} behind the primary after waiting {} ms: reading from it",
							seen.lag().describe(), millisSince(started));
				}
				return new ReadSource(this.replica, false, seen.lag().replayedUpTo());
			}
			if (flushedAt == null && seen.awaitsPrimaryFlush()) {
				// the replica lacks only WAL the primary has not flushed yet (a
				// transaction
				// still open, a commit with synchronous_commit off): make it flush now,
				// not when something else happens to
				this.primaryFlush.run();
				flushedAt = this.nanoTime.getAsLong();
			}
			if (this.policy != LagPolicy.WAIT && flushedAt != null
					&& this.nanoTime.getAsLong() - flushedAt < FLUSH_GRACE.toNanos()) {
				// fail and primary judge the lag once the flush had its time to arrive:
				// without it they would fail, or read the primary, for WAL that is no lag
				pause(seen, pause);
				pause = atMostPollInterval(pause.multipliedBy(2));
				continue;
			}
			if (seen.notAStandby() && this.policy != LagPolicy.PRIMARY) {
				// wait too: no wait mends it
				throw failure(seen, "(lag policy " + this.policy.name().toLowerCase(Locale.ROOT)
						+ ", not read: its data is not the primary's, and this does not change by itself): correct"
						+ " healthscore.replica.url to name a standby of the primary and rerun, or unset it to read"
						+ " from the primary");
			}
			switch (this.policy) {
				case FAIL -> throw failure(seen,
						"(lag policy fail): " + rerunWhen(seen) + ((seen.lag() != null) ? ", or allow more lag" : "")
								+ ", or choose lag policy wait or primary");
				case PRIMARY -> {
					return fallBack(seen);
				}
				case WAIT -> {
					if (seen.misconfigured()) {
						// no wait mends a wrong password, user or database name
						throw failure(seen,
								"(lag policy wait, not waiting: this does not change by itself):"
										+ " correct healthscore.replica.url or its credentials and rerun, or choose lag"
										+ " policy primary");
					}
					waitOrGiveUp(seen, started, waited, pause);
					waited = true;
					pause = atMostPollInterval(pause.multipliedBy(2));
				}
			}
		}
	}

	/**
	 * Checks, before a run, that the replica is a standby of the primary
	 * ({@link ReplicaLagProbe#checkStandby()}); the primary itself passes, with a
	 * warning. A replica that cannot be queried passes too: the lag policy decides when a
	 * range is read. Nothing to check without a replica.
	 * @throws NotAStandbyException when the replica is not a standby of the primary
	 * @throws org.springframework.dao.DataAccessResourceFailureException when the primary
	 * cannot be queried
	 */
	public void checkStandby() {
		if (this.replica == null) {
			return;
		}
		try {
			this.standbyCheck.run();
		}
		catch (NotAStandbyException ex) {
			throw ex;
		}
		catch (ReplicaUnavailableException ex) {
			logger.debug("Replica not checked before the run: {}", ex.getMessage());
		}
	}

	/**
	 * The primary's WAL position now, for {@link #readSource(WalPosition)}; {@code null}
	 * without a replica, where there is nothing to wait for.
	 * @throws org.springframework.dao.DataAccessResourceFailureException when the primary
	 * cannot be queried
	 */
	public WalPosition primaryPosition() {
		return (this.replica != null) ? this.primaryPosition.get() : null;
	}

	private Observation observe(WalPosition position) {
		try {
			return new Observation(this.lagSource.get(), null, position);
		}
		catch (ReplicaUnavailableException ex) {
			return new Observation(null, ex, position);
		}
	}

	private ReadSource fallBack(Observation seen) {
		// the policy covers a replica that is down; one that refuses the configuration
		// would be covered for ever, so the line says what mends it
		logger.warn("{}: reading this range from the primary (lag policy primary){}",
				seen.describe(this.limit.describe()),
				seen.notAStandby()
						? "; this does not change by itself: correct healthscore.replica.url to name a"
								+ " standby of the primary, or unset it to read from the primary without a replica"
						: seen.misconfigured()
								? "; this does not change by itself: correct healthscore.replica.url or"
										+ " its credentials, or unset it to read from the primary without a replica"
								: "");
		return new ReadSource(this.primary, true, this.primaryClock.get());
	}

	private Duration atMostPollInterval(Duration pause) {
		return (pause.compareTo(this.pollInterval) < 0) ? pause : this.pollInterval;
	}

	private void waitOrGiveUp(Observation seen, long started, boolean waited, Duration pause) {
		long remaining = this.waitTimeout.toNanos() - (this.nanoTime.getAsLong() - started);
		if (remaining <= 0) {
			throw failure(seen,
					String.format(Locale.ROOT,
							"after waiting %,d ms (lag policy wait): %s, or wait longer, or choose lag policy primary",
							this.waitTimeout.toMillis(), rerunWhen(seen)));
		}
		if (!waited) {
			logger.info("{}: waiting up to {} ms for it (lag policy wait)", seen.describe(this.limit.describe()),
					this.waitTimeout.toMillis());
		}
		pause(seen, Duration.ofNanos(Math.min(remaining, pause.toNanos())));
	}

	private void pause(Observation seen, Duration pause) {
		try {
			this.pause.pause(pause);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new ReplicaLagException("Interrupted while waiting for the replica to catch up", seen.lag(),
					this.policy, ex);
		}
	}

	/**
	 * When to run again: a replica that lags catches up by itself, one that does not
	 * answer may never, when its URL or credentials are wrong.
	 */
	private static String rerunWhen(Observation seen) {
		return (seen.lag() != null) ? "rerun when the replica has caught up"
				: "rerun once the replica answers (check healthscore.replica.url and its credentials)";
	}

	private ReplicaLagException failure(Observation seen, String what) {
		return new ReplicaLagException(seen.describe(this.limit.describe()) + " " + what, seen.lag(), this.policy,
				seen.unavailable());
	}

	private long millisSince(long startedNanos) {
		return (this.nanoTime.getAsLong() - startedNanos) / 1_000_000;
	}

	/**
	 * One measurement: a lag, or why the replica could not be measured; and the position
	 * it must have replayed, if any.
	 */
	private record Observation(ReplicaLag lag, ReplicaUnavailableException unavailable, WalPosition required) {

		/**
		 * Whether the replica refused the connection for a reason that only a change of
		 * configuration mends ({@link ConnectionRefusal#needsConfiguration}); a refused
		 * or timed-out connection, a replica starting up or in recovery, or one out of
		 * connection slots can mend by itself.
		 */
		boolean misconfigured() {
			return notAStandby() || (this.unavailable != null
					&& Causes.anyMatch(this.unavailable, ConnectionRefusal::needsConfiguration));
		}

		/** Whether the replica answered, and is not a standby of the primary. */
		boolean notAStandby() {
			return this.unavailable instanceof NotAStandbyException;
		}

		boolean awaitsPrimaryFlush() {
			return this.lag != null && this.lag.awaitsPrimaryFlush();
		}

		boolean admitted(LagLimit limit) {
			return this.lag != null && limit.admits(this.lag) && replayedRequired();
		}

		private boolean replayedRequired() {
			return this.required == null || this.lag.hasReplayed(this.required);
		}

		String describe(String maximum) {
			if (notAStandby()) {
				return "Replica is not a standby of the primary (%s)".formatted(this.unavailable.getMessage());
			}
			if (this.lag == null) {
				return "Replica is unreachable (%s)".formatted(this.unavailable.getMessage());
			}
			if (!replayedRequired()) {
				return "Replica is %s behind the primary and has replayed its WAL up to %s, not yet up to %s"
					.formatted(this.lag.describe(), this.lag.replayed(), this.required);
			}
			return "Replica is %s behind the primary, more than the maximum lag of %s".formatted(this.lag.describe(),
					maximum);
		}

	}

	/** Builds a {@link ReplicaGate}, checking every setting in {@link #build()}. */
	public static final class Builder {

		private DataSource primary;

		private DataSource replica;

		private Supplier<ReplicaLag> lagSource;

		private Supplier<Instant> primaryClock;

		private Supplier<WalPosition> primaryPosition;

		private Runnable primaryFlush;

		private Runnable standbyCheck;

		private LagPolicy policy = LagPolicy.WAIT;

		private Duration maxLag;

		private Long maxLagBytes;

		private Duration waitTimeout = WAIT_TIMEOUT_DEFAULT;

		private Duration pollInterval = POLL_INTERVAL_DEFAULT;

		private Pause pause = Pause.SLEEP;

		private LongSupplier nanoTime = System::nanoTime;

		/** Where writes go; read from when the replica is not used. */
		public Builder primary(DataSource primary) {
			this.primary = primary;
			return this;
		}

		/**
		 * The replica to read from, measured by a {@link ReplicaLagProbe}; none: every
		 * range is read from the primary.
		 */
		public Builder replica(DataSource replica) {
			this.replica = replica;
			return this;
		}

		/** What to do when the replica lags more than the maximum or is down. */
		public Builder policy(LagPolicy policy) {
			this.policy = policy;
			return this;
		}

		/** The largest acceptable time lag; {@code null} for none. */
		public Builder maxLag(Duration maxLag) {
			this.maxLag = maxLag;
			return this;
		}

		/** The largest acceptable lag in WAL bytes; {@code null} for none. */
		public Builder maxLagBytes(Long maxLagBytes) {
			this.maxLagBytes = maxLagBytes;
			return this;
		}

		/** How long {@link LagPolicy#WAIT} waits for the replica before failing. */
		public Builder waitTimeout(Duration waitTimeout) {
			this.waitTimeout = waitTimeout;
			return this;
		}

		/**
		 * The longest pause of {@link LagPolicy#WAIT} between two measurements: the first
		 * is 10 ms (or this, if shorter), each next one twice as long up to this.
		 */
		public Builder pollInterval(Duration pollInterval) {
			this.pollInterval = pollInterval;
			return this;
		}

		Builder lagSource(Supplier<ReplicaLag> lagSource) {
			this.lagSource = lagSource;
			return this;
		}

		Builder primaryClock(Supplier<Instant> primaryClock) {
			this.primaryClock = primaryClock;
			return this;
		}

		Builder primaryPosition(Supplier<WalPosition> primaryPosition) {
			this.primaryPosition = primaryPosition;
			return this;
		}

		Builder primaryFlush(Runnable primaryFlush) {
			this.primaryFlush = primaryFlush;
			return this;
		}

		Builder standbyCheck(Runnable standbyCheck) {
			this.standbyCheck = standbyCheck;
			return this;
		}

		Builder pause(Pause pause) {
			this.pause = pause;
			return this;
		}

		Builder nanoTime(LongSupplier nanoTime) {
			this.nanoTime = nanoTime;
			return this;
		}

		/** Builds the gate. */
		public ReplicaGate build() {
			Assert.notNull(this.primary, "A primary dataSource is required");
			Assert.notNull(this.policy, "A lag policy is required");
			Assert.isTrue(this.replica != null || this.lagSource == null,
					"A replica dataSource is required with a lag source");
			Assert.isTrue(this.replica == null || this.maxLag != null || this.maxLagBytes != null,
					"A maximum lag is required with a replica: maxLag and/or maxLagBytes");
			Assert.isTrue(this.maxLag == null || !this.maxLag.isNegative(),
					() -> "maxLag must not be negative, was " + Durations.format(this.maxLag));
			Assert.isTrue(this.maxLagBytes == null || this.maxLagBytes >= 0,
					() -> "maxLagBytes must not be negative, was " + this.maxLagBytes);
			Assert.isTrue(this.waitTimeout != null && !this.waitTimeout.isNegative(),
					() -> "waitTimeout must not be negative, was " + Durations.format(this.waitTimeout));
			Assert.isTrue(this.pollInterval != null && this.pollInterval.compareTo(Duration.ZERO) > 0,
					() -> "pollInterval must be positive, was " + Durations.format(this.pollInterval));
			ReplicaLagProbe probe = (this.replica != null) ? new ReplicaLagProbe(this.primary, this.replica) : null;
			Supplier<ReplicaLag> lag = (this.lagSource != null || probe == null) ? this.lagSource : probe::measure;
			Runnable flush = (this.primaryFlush != null || probe == null) ? this.primaryFlush : probe::flushPrimary;
			Runnable standby = (this.standbyCheck != null || probe == null) ? this.standbyCheck : probe::checkStandby;
			DataSource clockSource = this.primary;
			Supplier<Instant> clock = (this.primaryClock != null) ? this.primaryClock
					: () -> ReplicaLagProbe.now(clockSource);
			Supplier<WalPosition> position = (this.primaryPosition != null) ? this.primaryPosition
					: () -> ReplicaLagProbe.position(clockSource);
			return new ReplicaGate(this, lag, clock, position, flush, standby);
		}

	}

}
