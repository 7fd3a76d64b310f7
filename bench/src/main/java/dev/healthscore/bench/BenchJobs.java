package dev.healthscore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.cli.CommandLineParser;
import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.InProcessJobLauncher;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.JobRunner;
import dev.healthscore.schedules.RunOutcome;

import org.springframework.batch.core.job.Job;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Runs the application's commands in one of the ways production runs its jobs, given by
 * its {@link Mode}. Every command gets the same application arguments (the database, and
 * any property the benchmark sets).
 */
final class BenchJobs implements AutoCloseable {

	private final Mode mode;

	private final String[] application;

	private final Path log;

	private ConfigurableApplicationContext scheduler;

	private BenchJobs(Mode mode, String[] application, Path log) {
		this.mode = mode;
		this.application = application.clone();
		this.log = log;
	}

	/** Runs every command in a fresh application context in this JVM. */
	static BenchJobs inThisJvm(String[] application) {
		return new BenchJobs(Mode.CLI, application, null);
	}

	/**
	 * Runs commands in the given mode.
	 * @param log where {@link Mode#TASK}'s JVMs write their output
	 */
	static BenchJobs of(Mode mode, String[] application, Path log) {
		return new BenchJobs(mode, application, log);
	}

	/**
	 * Runs a command line of the application ({@code run <job> --name=value ...},
	 * {@code generate ...}).
	 * @throws IllegalStateException when it does not complete
	 */
	void run(String... args) {
		long started = System.nanoTime();
		String how;
		if (this.mode == Mode.SCHEDULER && args[0].equals("run")) {
			RunOutcome outcome = launch(args);
			if (outcome != RunOutcome.COMPLETED) {
				throw new IllegalStateException(
						String.format(Locale.ROOT, "'%s' ended %s", String.join(" ", args), outcome));
			}
			how = " in the scheduler's application context";
		}
		else {
			List<String> all = new ArrayList<>(List.of(args));
			all.addAll(List.of(this.application));
			int exit = (this.mode == Mode.TASK) ? runInOwnJvm(all)
					: HealthScoreApplication.run(all.toArray(String[]::new));
			if (exit != 0) {
				throw new IllegalStateException(
						String.format(Locale.ROOT, "'%s' exited with %d", String.join(" ", args), exit));
			}
			how = (this.mode == Mode.TASK) ? " in a JVM of its own" : "";
		}
		System.out.printf("%s %s took %s%s%n", args[0], (args.length > 1) ? args[1] : "",
				Duration.ofNanos(System.nanoTime() - started), how);
	}

	/**
	 * Runs a job in the application context a scheduler keeps: started at the first run
	 * and kept for the next, through the runner a schedule's firing goes through. Not as
	 * a firing: a firing adds {@code --scheduled-time}, which a range of given days
	 * ({@code --from}/{@code --to}, as the benchmarks give) refuses.
	 */
	private RunOutcome launch(String[] args) {
		// the application's own parser: the parameters as `run` reads them
		Invocation invocation = CommandLineParser.parse(args);
		if (this.scheduler == null) {
			// no command: the context starts, runs nothing and stays open, as the
			// scheduler's does between fire times
			this.scheduler = new SpringApplication(HealthScoreApplication.class).run(this.application);
		}
		try {
			Job job = this.scheduler.getBean(InProcessJobLauncher.class).job(invocation.job());
			JobRunner.Outcome outcome = this.scheduler.getBean(JobRunner.class).run(job, invocation.parameters());
			return (outcome.exitCode() == ExitCode.COMPLETED) ? RunOutcome.COMPLETED : RunOutcome.FAILED;
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not run " + String.join(" ", args), ex);
		}
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

	@Override
	public void close() {
		if (this.scheduler != null) {
			this.scheduler.close();
		}
	}

	/** How commands are run, with the benchmark option that chooses it. */
	enum Mode {

		/**
		 * Jobs in one long-lived application context, launched through its
		 * {@link ScheduledJobLauncher} as the Quartz scheduler ({@code scheduler})
		 * launches them; other commands as {@link #CLI}.
		 */
		SCHEDULER("scheduler", "the jobs launched in one application context as the Quartz scheduler launches them"),

		/**
		 * Each command in a JVM of its own, as a scheduled one-shot task (ECS) runs a
		 * job: every run pays for starting the JVM and loading what it uses.
		 */
		TASK("fresh", "each command in a JVM of its own, as one-shot scheduled tasks run"),

		/**
		 * Each command in a fresh application context in this JVM, as
		 * {@code HealthScoreApplication.run} runs a command line: the JVM's compiled code
		 * carries over, the context does not, and compiling its start-up code goes on
		 * while the job runs.
		 */
		CLI("cli", "each command in a fresh application context in this JVM");

		private final String option;

		private final String description;

		Mode(String option, String description) {
			this.option = option;
			this.description = description;
		}

		/** What the benchmark prints about how it ran the jobs. */
		String description() {
			return this.description;
		}

		/** The option values, the default first. */
		static String[] options() {
			return Arrays.stream(values()).map((mode) -> mode.option).toArray(String[]::new);
		}

		/** The mode an option value names, one of {@link #options()}. */
		static Mode of(String option) {
			return Arrays.stream(values())
				.filter((mode) -> mode.option.equals(option))
				.findFirst()
				.orElseThrow(() -> new IllegalArgumentException("No mode " + option));
		}

	}

}
