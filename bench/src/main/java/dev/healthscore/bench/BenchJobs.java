package dev.healthscore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.healthscore.jobs.HealthScoreApplication;

/**
 * Runs the application's commands: in this JVM, or each in a JVM of its own, as a
 * scheduled one-shot task runs a job (then every run pays for loading what it uses, and
 * the job's time shows it).
 *
 * @param database the database arguments every command is run with
 * @param log where the JVMs of their own write their output, or null to run in this JVM
 */
record BenchJobs(String[] database, Path log) {

	/** Runs every command in this JVM. */
	static BenchJobs inThisJvm(String[] database) {
		return new BenchJobs(database, null);
	}

	void run(String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.addAll(List.of(this.database));
		long started = System.nanoTime();
		int exit = (this.log != null) ? runInOwnJvm(all) : HealthScoreApplication.run(all.toArray(String[]::new));
		if (exit != 0) {
			throw new IllegalStateException(
					String.format(Locale.ROOT, "'%s' exited with %d", String.join(" ", args), exit));
		}
		System.out.printf("%s %s took %s%s%n", args[0], (args.length > 1) ? args[1] : "",
				Duration.ofNanos(System.nanoTime() - started), (this.log != null) ? " in a JVM of its own" : "");
	}

	/** Runs the application's main class from this benchmark's jar. */
	private int runInOwnJvm(List<String> args) {
		List<String> command = new ArrayList<>(List.of(
				Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Dloader.main=" + HealthScoreApplication.class.getName(), "-cp", System.getProperty("java.class.path"),
				"org.springframework.boot.loader.launch.PropertiesLauncher"));
		command.addAll(args);
		try {
			return new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
				.start()
				.waitFor();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start " + command, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while running " + args, ex);
		}
	}

}
