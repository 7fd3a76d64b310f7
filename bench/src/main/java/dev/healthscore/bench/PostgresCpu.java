package dev.healthscore.bench;

import java.nio.file.Path;

/**
 * The CPU time of the PostgreSQL processes on this machine (the benchmark's embedded
 * clusters: postmaster, backends, parallel workers, background writers), from
 * {@code /proc}: what the database spent beside this JVM on the same cores. Linux only;
 * elsewhere it is unknown. Processes that ended between two readings are missing from the
 * later one, so a difference is a lower bound when backends come and go; the benchmark
 * reads it around work done on long-lived connections.
 */
final class PostgresCpu {

	private PostgresCpu() {
	}

	/**
	 * Returns the CPU seconds (user and system) the PostgreSQL processes used so far.
	 * @return the seconds, or {@link Double#NaN} where {@code /proc} cannot tell
	 */
	static double seconds() {
		return ProcCpu.seconds(Path.of("/proc"), "[0-9]*", "postgres"::equals);
	}

}
