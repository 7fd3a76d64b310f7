package dev.healthscore.io.replica;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * How far a physical replica was behind its primary at one moment.
 * <p>
 * Time lag from {@code pg_last_xact_replay_timestamp()} alone misleads: on an idle
 * primary the last replayed commit is old although nothing is missing. So the WAL
 * positions decide first: a replica that has replayed at least the WAL the primary had
 * inserted when measured (see {@link ReplicaLagProbe}) is caught up, with no time lag.
 * Only otherwise is the time lag the age of the last replayed commit, an upper bound of
 * the real lag.
 *
 * @param bytes WAL bytes inserted by the primary (written yet or not) and not yet
 * replayed by the replica; 0 when caught up
 * @param replayTimestamp commit time (primary's clock) of the last transaction the
 * replica replayed; {@code null} when it has replayed none since it started
 * @param timeLag zero when caught up, otherwise {@code measuredAt - replayTimestamp};
 * {@code null} when not caught up and no replayed commit is known
 * @param caughtUp whether the replica had replayed all WAL the primary had inserted when
 * measured
 * @param measuredAt the primary's clock ({@code now()}) just before its WAL position was
 * read
 * @param replayed the WAL position the replica had replayed up to; {@code null} when
 * unknown (a server not in recovery, which is caught up)
 * @param awaitsPrimaryFlush whether the replica, not caught up, had replayed all WAL the
 * primary had flushed when measured: a replica receives only flushed WAL, so what it
 * lacks waits for the primary to flush it (an asynchronous commit the WAL writer has not
 * flushed yet, or WAL of a transaction still open, which the WAL writer does not flush
 * from a page not yet full until something else asks for it); see
 * {@link ReplicaLagProbe#flushPrimary}
 */
public record ReplicaLag(long bytes, Instant replayTimestamp, Duration timeLag, boolean caughtUp, Instant measuredAt,
		WalPosition replayed, boolean awaitsPrimaryFlush) {

	/**
	 * Whether the replica had replayed the primary's WAL up to {@code position}, taken
	 * from the primary before this measurement: a caught-up replica always had.
	 */
	public boolean hasReplayed(WalPosition position) {
		return this.caughtUp || (this.replayed != null && this.replayed.isAtLeast(position));
	}

	/**
	 * The point up to which everything committed on the primary was visible on the
	 * replica: {@link #measuredAt()} when caught up, the last replayed commit's time
	 * otherwise; {@code null} when unknown.
	 */
	public Instant replayedUpTo() {
		return this.caughtUp ? this.measuredAt : this.replayTimestamp;
	}

	/**
	 * The lag for a message, with its units, e.g.
	 * {@code "1,250 ms (4,096 bytes of WAL)"}.
	 */
	public String describe() {
		if (this.caughtUp) {
			return "caught up";
		}
		String time = (this.timeLag != null) ? String.format(Locale.ROOT, "%,d ms", this.timeLag.toMillis())
				: "an unknown time";
		return String.format(Locale.ROOT, "%s (%,d bytes of WAL)", time, this.bytes);
	}

}
