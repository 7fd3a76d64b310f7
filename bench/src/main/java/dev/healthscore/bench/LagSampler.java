package dev.healthscore.bench;

import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.healthscore.io.replica.ReplicaLag;
import dev.healthscore.io.replica.ReplicaLagProbe;

/**
 * Measures the replica's lag every 500 ms while a benchmark runs, and keeps the worst.
 */
final class LagSampler implements AutoCloseable {

	private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

	private long samples;

	private long maxBytes;

	private long maxMillis;

	LagSampler(ReplicaLagProbe probe) {
		this.executor.scheduleAtFixedRate(() -> sample(probe), 0, 500, TimeUnit.MILLISECONDS);
	}

	private synchronized void sample(ReplicaLagProbe probe) {
		try {
			ReplicaLag lag = probe.measure();
			this.samples++;
			this.maxBytes = Math.max(this.maxBytes, lag.bytes());
			this.maxMillis = Math.max(this.maxMillis, lag.timeLag().toMillis());
		}
		catch (RuntimeException ex) {
			// a failed measurement is not a sample
		}
	}

	synchronized String summary() {
		return String.format(Locale.ROOT, "max %,d bytes of WAL, max %,d ms (%d samples)", this.maxBytes,
				this.maxMillis, this.samples);
	}

	@Override
	public void close() {
		this.executor.shutdownNow();
	}

}
