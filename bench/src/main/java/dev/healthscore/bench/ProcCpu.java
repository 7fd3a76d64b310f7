package dev.healthscore.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * CPU time of processes or threads read from Linux's {@code /proc}: the user and system
 * time of every {@code <entry>/stat} under a directory whose command name matches.
 * Entries that ended between two readings are missing from the later one, so a difference
 * is a lower bound when they come and go.
 */
final class ProcCpu {

	/** The kernel's USER_HZ, the unit of {@code stat} times: 100 on Linux. */
	private static final double TICKS_PER_SECOND = 100;

	private ProcCpu() {
	}

	/**
	 * Returns the CPU seconds the matching entries of a directory used so far.
	 * @param directory {@code /proc} (processes) or {@code /proc/self/task} (threads)
	 * @param glob the entries to read
	 * @param command which command names count
	 * @return the seconds, or {@link Double#NaN} where {@code /proc} cannot tell
	 */
	static double seconds(Path directory, String glob, Predicate<String> command) {
		if (!Files.isDirectory(directory)) {
			return Double.NaN;
		}
		long ticks = 0;
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, glob)) {
			for (Path entry : entries) {
				ticks += ticks(entry.resolve("stat"), command);
			}
		}
		catch (IOException ex) {
			return Double.NaN;
		}
		return ticks / TICKS_PER_SECOND;
	}

	/** The utime and stime of an entry if its command matches, else 0. */
	private static long ticks(Path stat, Predicate<String> command) {
		String line;
		try {
			line = Files.readString(stat, StandardCharsets.ISO_8859_1);
		}
		catch (IOException ex) {
			return 0; // ended meanwhile, or not ours to read
		}
		int open = line.indexOf('(');
		int close = line.lastIndexOf(')');
		if (open < 0 || close < open || !command.test(line.substring(open + 1, close))) {
			return 0;
		}
		// after "pid (comm) ": state is field 3, utime field 14 and stime field 15
		String[] fields = line.substring(close + 2).split(" ");
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

}
