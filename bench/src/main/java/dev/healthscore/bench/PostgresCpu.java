package dev.healthscore.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
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

	/** The kernel's USER_HZ, the unit of {@code /proc/<pid>/stat} times: 100 on Linux. */
	static final double TICKS_PER_SECOND = 100;

	private PostgresCpu() {
	}

	/**
	 * Returns the CPU seconds (user and system) the PostgreSQL processes used so far.
	 * @return the seconds, or {@link Double#NaN} where {@code /proc} cannot tell
	 */
	static double seconds() {
		Path proc = Path.of("/proc");
		if (!Files.isDirectory(proc)) {
			return Double.NaN;
		}
		long ticks = 0;
		try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
			for (Path process : processes) {
				ticks += postgresTicks(process.resolve("stat"));
			}
		}
		catch (IOException ex) {
			return Double.NaN;
		}
		return ticks / TICKS_PER_SECOND;
	}

	/** The utime and stime of a process if it is PostgreSQL's, else 0. */
	private static long postgresTicks(Path stat) {
		String line;
		try {
			line = Files.readString(stat, StandardCharsets.ISO_8859_1);
		}
		catch (IOException ex) {
			return 0; // ended meanwhile, or not ours to read
		}
		int open = line.indexOf('(');
		int close = line.lastIndexOf(')');
		if (open < 0 || close < open || !line.substring(open + 1, close).equals("postgres")) {
			return 0;
		}
		// after "pid (comm) ": state is field 3, utime field 14 and stime field 15
		String[] fields = line.substring(close + 2).split(" ");
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

}
