package dev.healthscore.jobs;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts the application in a JVM of its own, on this JVM's class path, as ECS or a
 * scheduler host runs it: for the tests that kill, stop or cluster real processes.
 *
 * <p>
 * The child JVM gets {@link #START_UP_FLAGS a flag} that only shortens its start-up,
 * which is most of a test process's life: its Spring context starts in about half the
 * time on two busy cores (measured: 4.0 s instead of 6.6 s to a refused database
 * connection, load average 6). It changes how the JVM compiles, not what the program
 * does. The children also map one {@link SharedClassArchive class-data archive} of the
 * start-up classes, made at the first start of a test run (once, about 7 s), which takes
 * another 1.4 s off each start (3.6 s to 2.2 s from JVM start to Spring started, 16
 * archive processes, load average 3 to 4); should it not be made, they start without it,
 * on this JVM's class path as it is.
 */
public final class AppProcess {

	/**
	 * The JIT's first tier only: C2 compiling Spring's start-up competes for the cores
	 * with the start-up itself, and a test process ends before C2's code would pay off.
	 * (The serial collector was measured too, and made no difference.)
	 */
	static final List<String> START_UP_FLAGS = List.of("-XX:TieredStopAtLevel=1");

	private static Optional<SharedClassArchive> archive;

	private AppProcess() {
	}

	/**
	 * Starts {@code HealthScoreApplication} with the given arguments, its standard output
	 * and error into one file.
	 * @param log where the process's output goes
	 * @param jvmOptions options of the child JVM (system properties), after the start-up
	 * flags
	 * @param args the application's arguments
	 * @return the started process
	 * @throws IOException when the process cannot be started
	 */
	public static Process start(Path log, List<String> jvmOptions, List<String> args) throws IOException {
		return new ProcessBuilder(command(jvmOptions, args)).redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
	}

	/**
	 * Returns the command line of {@link #start}.
	 * @param jvmOptions options of the child JVM, after the start-up flags
	 * @param args the application's arguments
	 * @return the command line
	 */
	static List<String> command(List<String> jvmOptions, List<String> args) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(START_UP_FLAGS);
		String classPath = System.getProperty("java.class.path");
		Optional<SharedClassArchive> archive = archive();
		if (archive.isPresent()) {
			command.addAll(archive.get().jvmOptions());
			classPath = archive.get().classPath();
		}
		command.addAll(jvmOptions);
		command.addAll(List.of("-cp", classPath, HealthScoreApplication.class.getName()));
		command.addAll(args);
		return command;
	}

	/** The run's class-data archive, made by the first child's start. */
	private static synchronized Optional<SharedClassArchive> archive() {
		if (archive == null) {
			archive = SharedClassArchive
				.create(List.of(System.getProperty("java.class.path").split(File.pathSeparator)), START_UP_FLAGS);
		}
		return archive;
	}

}
