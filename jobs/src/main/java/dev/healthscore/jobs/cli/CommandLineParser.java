package dev.healthscore.jobs.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.healthscore.jobs.recompute.RecomputeOptions;
import dev.healthscore.jobs.reconcile.ReconcileOptions;

/** Parses {@code <command> [job] [--name=value ...]} into an {@link Invocation}. */
public final class CommandLineParser {

	/** The jobs {@code run} knows: add a job's {@link JobOptions} here. */
	public static final List<JobOptions> JOBS = List.of(new RecomputeOptions(), new ReconcileOptions());

	/** The commands the application knows. */
	public static final List<String> COMMANDS = List.of("run", "demo", "generate");

	/** What to print when the command line is wrong. */
	public static final String USAGE = """
			Usage: java -jar healthscore-exec.jar <command> [--name=value ...]
			  demo [--users=N] [--days=D] [--seed=S]
			      generate a data set on the embedded database, recompute it and print a summary
			%s
			  generate --users=N --days=D [--seed=S] [--end=YYYY-MM-DD]
			      write a deterministic synthetic data set of D days ending on --end (default: yesterday, UTC)
			Exit codes: 0 completed, 1 failed, 2 bad usage, 3 already running, 4 replica lagging, 5 stopped.
			Database: set SPRING_DATASOURCE_URL/USERNAME/PASSWORD; without them an embedded PostgreSQL is started."""
		.formatted(String.join("\n",
				JOBS.stream().flatMap((job) -> job.usage().lines()).map((line) -> "  " + line).toList()));

	private CommandLineParser() {
	}

	/**
	 * Parses the arguments.
	 * @throws UsageException when they are not a valid command line
	 */
	public static Invocation parse(String... args) {
		if (args.length == 0) {
			throw new UsageException("Missing command: expected one of " + COMMANDS);
		}
		String command = args[0];
		if (!COMMANDS.contains(command)) {
			throw new UsageException("Unknown command '%s': expected one of %s".formatted(command, COMMANDS));
		}
		int next = 1;
		String job = null;
		if (command.equals("run")) {
			if (args.length < 2 || args[1].startsWith("--")) {
				throw new UsageException("Missing job for 'run': expected one of " + jobNames());
			}
			job = args[1];
			if (jobOptions(job) == null) {
				throw new UsageException("Unknown job '%s': expected one of %s".formatted(job, jobNames()));
			}
			next = 2;
		}
		Invocation invocation = new Invocation(command, job, options(args, next));
		validate(invocation);
		return invocation;
	}

	/**
	 * Checks the options of the command, so that a wrong one fails before anything
	 * starts.
	 */
	private static void validate(Invocation invocation) {
		switch (invocation.command()) {
			case "run" -> {
				JobOptions job = jobOptions(invocation.job());
				invocation.onlyOptions(job.options().toArray(String[]::new));
				job.parameters(invocation);
			}
			case "generate", "demo" -> {
				invocation.onlyOptions("users", "days", "seed", "end", "threads");
				if (invocation.command().equals("generate") && !(invocation.has("users") && invocation.has("days"))) {
					throw new UsageException("Missing --users=N and --days=D for 'generate'");
				}
				invocation.positiveInt("users", 1);
				invocation.positiveInt("days", 1);
				invocation.positiveInt("threads", 1);
				invocation.longValue("seed", 0);
				invocation.date("end", null);
			}
			default -> throw new IllegalStateException("Unhandled command " + invocation.command());
		}
	}

	/** The command-line face of the job named {@code name}, or {@code null}. */
	public static JobOptions jobOptions(String name) {
		return JOBS.stream().filter((job) -> job.name().equals(name)).findFirst().orElse(null);
	}

	private static List<String> jobNames() {
		return JOBS.stream().map(JobOptions::name).toList();
	}

	private static Map<String, String> options(String[] args, int from) {
		Map<String, String> options = new LinkedHashMap<>();
		for (int i = from; i < args.length; i++) {
			String arg = args[i];
			if (!arg.startsWith("--") || arg.length() == 2) {
				throw new UsageException("Unexpected argument '%s': options are written --name=value".formatted(arg));
			}
			int eq = arg.indexOf('=');
			String name = (eq < 0) ? arg.substring(2) : arg.substring(2, eq);
			String value = (eq < 0) ? "true" : arg.substring(eq + 1);
			if (options.put(name, value) != null) {
				throw new UsageException("Option --%s is given twice".formatted(name));
			}
		}
		return options;
	}

}
