package dev.healthscore.io.replica;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The most a replica may lag and still be read from, in time, in WAL bytes or both.
 *
 * @param maxLag the largest acceptable time lag; {@code null} for no time limit
 * @param maxLagBytes the largest acceptable lag in WAL bytes; {@code null} for no byte
 * limit
 */
record LagLimit(Duration maxLag, Long maxLagBytes) {

	/**
	 * Whether {@code lag} is acceptable: caught up, or a known time lag within every
	 * limit set. An unknown time lag is never acceptable: the inputs'
	 * {@code inputs_as_of} would be unknown too.
	 */
	boolean admits(ReplicaLag lag) {
		if (lag.caughtUp()) {
			return true;
		}
		if (lag.replayTimestamp() == null || lag.timeLag() == null) {
			return false;
		}
		return (this.maxLag == null || lag.timeLag().compareTo(this.maxLag) <= 0)
				&& (this.maxLagBytes == null || lag.bytes() <= this.maxLagBytes);
	}

	/**
	 * The limits for a message, with units, e.g.
	 * {@code "10,000 ms and 4,096 bytes of WAL"}.
	 */
	String describe() {
		List<String> parts = new ArrayList<>();
		if (this.maxLag != null) {
			parts.add(String.format(Locale.ROOT, "%,d ms", this.maxLag.toMillis()));
		}
		if (this.maxLagBytes != null) {
			parts.add(String.format(Locale.ROOT, "%,d bytes of WAL", this.maxLagBytes));
		}
		return String.join(" and ", parts);
	}

}
