package dev.healthscore.jobs.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import dev.healthscore.jobs.archive.ArchiveOptions;
import dev.healthscore.jobs.archive.RestoreOptions;
import dev.healthscore.jobs.partitions.PartitionsOptions;
import dev.healthscore.jobs.recompute.RecomputeOptions;
import dev.healthscore.jobs.reconcile.ReconcileOptions;
import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.ScheduleParameters;
import dev.healthscore.schedules.Schedules;

/** Parses {@code <command> [job] [--name=value ...]} into an {@link Invocation}. */
public final class CommandLineParser {

	/**
	 * How far a {@code --scheduled-time} may be ahead of this machine's clock: the
	 * scheduler's clock and this one may disagree by that much.
	 */
	public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

	/** The time zone whose local date is the latest on Earth. */
	private static final ZoneOffset LATEST_ZONE = ZoneOffset.ofHours(14);

	/** The jobs {@code run} knows: add a job's {@link JobOptions} here. */
	public static final List<JobOptions> JOBS = List.of(new RecomputeOptions(), new ReconcileOptions(),
			new ArchiveOptions(), new RestoreOptions(), new PartitionsOptions());

	/** The commands the application knows. */
	public static final List<String> COMMANDS = List.of("run", "demo", "generate", "scheduler", "status", "restart",
			"stop", "reprocess");

	/**
	 * The options of the commands other than {@code run}, {@code restart} and
	 * {@code stop}, without dashes: what each accepts, and what its usage must show.
	 */
	public static final Map<String, List<String>> COMMAND_OPTIONS = Map.of("demo",
			List.of("users", "days", "seed", "end", "threads"), "generate",
			List.of("users", "days", "seed", "end", "threads"), "scheduler", List.of(), "status", List.of("limit"),
			"reprocess", List.of("from", "to", "users", "algorithm-version", "dry-run"));

	/**
	 * The most {@code --users} of {@code generate} and {@code demo}: the generator counts
	 * users in an {@code int}, numbering them 1 to N and the unknown users whose readings
	 * it adds after them (N / 200 of them), and a billion users already make about 40
	 * billion readings a day. {@code --users=2147483647} would have numbered those
	 * unknown users from -2147483648 on.
	 */
	public static final int MAX_DATA_SET_USERS = 1_000_000_000;

	/**
	 * The most {@code --threads} of {@code generate} and {@code demo}: each thread writes
	 * its share of the users over a database connection of its own, and threads beyond
	 * the connection pool (8 connections on the embedded database, 10 by default on
	 * another) only wait for one; 64 leaves room for a larger pool.
	 * {@code --threads=100000} started a thread per user, up to a hundred thousand, each
	 * waiting for a connection.
	 */
	public static final int MAX_DATA_SET_THREADS = 64;

	/**
	 * The option under which {@code restart} and {@code stop} keep their execution id.
	 */
	public static final String EXECUTION_ID = "execution-id";

	/** The arguments that ask for help: the first argument, or any after the command. */
	private static final List<String> HELP = List.of("help", "--help", "-h");

	private static final String USAGE_HEADER = "Usage: java -jar healthscore-exec.jar <command> [--name=value ...]";

	/** The footer's line about --scheduled-time, for the usage of a job that takes it. */
	private static final String SCHEDULED_TIME_NOTE = """
			Every run <job> but restore also takes --scheduled-time=INSTANT (what schedules pass; not beside
			--from/--to); any command takes settings as --spring.*=…, --healthscore.*=…, --logging.*=….""";

	/** The footer's line about settings, for the usage of the other commands. */
	private static final String SETTINGS_NOTE = "Any command takes settings as --spring.*=…, --healthscore.*=…,"
			+ " --logging.*=….";

	/** The footer's exit codes, for the usage of a command that runs jobs. */
	private static final String JOB_EXIT_CODES = "Exit codes: 0 completed, 1 failed, 2 bad usage, 3 already running,"
			+ " 4 replica behind, unreachable or not a standby, 5 stopped.";

	/** The footer's exit codes, for the usage of a command that runs no job. */
	private static final String EXIT_CODES = "Exit codes: 0 completed, 1 failed, 2 bad usage.";

	private static final String DATABASE_NOTE = "Database: set SPRING_DATASOURCE_URL/USERNAME/PASSWORD; without them"
			+ " an embedded PostgreSQL is started.";

	/**
	 * The entries of the usage, in its order: what each shows help for ({@code demo},
	 * {@code run recompute}, …) and its lines, the first of them the command line.
	 */
	private static final List<UsageEntry> USAGE_ENTRIES = usageEntries();

	/** What to print when the command line is wrong, or asks for help. */
	public static final String USAGE = usage(USAGE_ENTRIES);

	private CommandLineParser() {
	}

	/**
	 * The usage a command line asks for, or {@code null} when it does not ask for help:
	 * {@code help}, {@code --help} or {@code -h} first prints the whole usage, or that of
	 * the command (and job) after it ({@code help run recompute}); {@code --help} or
	 * {@code -h} after a command prints that command's ({@code run recompute --help}),
	 * whatever else the command line holds.
	 * @throws UsageException when help is asked for a command or job that does not exist,
	 * or {@code help} is followed by a word that the help it shows does not take
	 * ({@code help status extra}) or by an option ({@code help status --limit=3})
	 */
	public static String help(String... args) {
		List<String> topic;
		boolean asked = args.length > 0 && HELP.contains(args[0]);
		if (asked) {
			topic = words(args, 1);
		}
		else if (Arrays.stream(args).skip(1).anyMatch((arg) -> arg.equals("--help") || arg.equals("-h"))) {
			topic = words(args, 0);
		}
		else {
			return null;
		}
		if (topic.isEmpty() || HELP.contains(topic.get(0))) {
			checkNoExtraWords(args, asked, topic, 1);
			return USAGE;
		}
		String command = topic.get(0);
		if (!COMMANDS.contains(command)) {
			throw new UsageException("Unknown command '%s': expected one of %s, or help".formatted(command, COMMANDS));
		}
		if (!command.equals("run")) {
			checkNoExtraWords(args, asked, topic, 1);
			return usage(USAGE_ENTRIES.stream().filter((entry) -> entry.topics().contains(command)).toList());
		}
		if (topic.size() < 2) {
			checkNoExtraWords(args, asked, topic, 1);
			return usage(USAGE_ENTRIES.stream()
				.filter((entry) -> entry.topics().stream().anyMatch((shown) -> shown.startsWith("run ")))
				.toList());
		}
		String job = topic.get(1);
		if (jobOptions(job) == null && chain(job) == null) {
			throw new UsageException(
					"Unknown job '%s': expected one of %s, or a chain: %s".formatted(job, jobNames(), chainNames()));
		}
		checkNoExtraWords(args, asked, topic, 2);
		return usage(USAGE_ENTRIES.stream().filter((entry) -> entry.topics().contains("run " + job)).toList());
	}

	/**
	 * The usage to print beside a usage error in {@code args}: that of its command (and
	 * job, for {@code run}) when it names one this parser knows, else the whole usage.
	 * The whole usage is 40 lines of other commands, under which the error scrolls away.
	 * @param args the command line that was refused
	 * @return the usage
	 */
	public static String usageFor(String... args) {
		if (args.length > 1 && HELP.contains(args[0]) && COMMANDS.contains(args[1])) {
			// help asked of a command with a word too many: that command's usage
			return usageFor(Arrays.copyOfRange(args, 1, args.length));
		}
		if (args.length == 0 || !COMMANDS.contains(args[0]) || HELP.contains(args[0])) {
			return USAGE;
		}
		List<String> topic = new ArrayList<>();
		topic.add("help");
		topic.add(args[0]);
		if (args[0].equals("run") && args.length > 1 && (jobOptions(args[1]) != null || chain(args[1]) != null)) {
			topic.add(args[1]);
		}
		String usage = help(topic.toArray(String[]::new));
		return usage + System.lineSeparator() + "(every command: 'help')";
	}

	/**
	 * The arguments from {@code from} on that are not options: a command, its job, and
	 * what else the command line holds.
	 */
	private static List<String> words(String[] args, int from) {
		return Arrays.stream(args).skip(from).filter((arg) -> !arg.startsWith("-")).toList();
	}

	/**
	 * Refuses, after {@code help}, a word after the command ({@code help status extra})
	 * or after the job of {@code run} ({@code help run recompute extra}), and an option
	 * ({@code help status --limit=3}): it was ignored, and the operator not told that it
	 * means nothing there. Settings ({@code --logging.*}, …), which any command takes,
	 * and {@code --help} or {@code -h} are let through. After {@code <command> --help}
	 * the rest of the command line is left as it is: help on a command line that was
	 * refused.
	 * @param args the command line
	 * @param asked whether the command line starts with help
	 * @param topic the words after help
	 * @param words how many of them the help shown takes
	 */
	private static void checkNoExtraWords(String[] args, boolean asked, List<String> topic, int words) {
		if (!asked) {
			return;
		}
		String shown = String.join(" ", topic.subList(0, Math.min(words, topic.size())));
		String help = shown.isEmpty() ? "help" : "help " + shown;
		if (topic.size() > words) {
			throw new UsageException(
					("Unexpected '%s' after '%s': help takes a command, and for run a job (help run recompute)")
						.formatted(topic.get(words), help));
		}
		for (String arg : Arrays.copyOfRange(args, 1, args.length)) {
			if (arg.startsWith("-") && !HELP.contains(arg) && !isSetting(arg)) {
				// the name only: a value may be a password
				int eq = arg.indexOf('=');
				String option = (eq < 0) ? arg : arg.substring(0, eq);
				throw new UsageException(("Unexpected option %s after '%s': help takes only a command name, and for"
						+ " run a job (help run recompute); give the option to the command itself")
					.formatted(option, help));
			}
		}
	}

	/**
	 * Whether an argument is a setting ({@code --spring.*=…}, …), which any command
	 * takes.
	 */
	private static boolean isSetting(String arg) {
		return arg.startsWith("--") && Invocation.isSetting(arg.substring(2));
	}

	private static List<UsageEntry> usageEntries() {
		List<UsageEntry> entries = new ArrayList<>();
		entries.add(new UsageEntry(List.of("demo"), false, true, """
				demo [--users=N] [--days=D] [--seed=S] [--end=YYYY-MM-DD] [--threads=T]
				    generate a data set (default 1,000 users x 60 days) on the embedded database, recompute it,
				    archive its oldest month and print a summary"""));
		for (JobOptions job : JOBS) {
			entries.add(new UsageEntry(List.of("run " + job.name()),
					job.options().contains(ScheduleParameters.SCHEDULED_TIME), true, job.usage()));
		}
		entries.add(new UsageEntry(List.of("run nightly"), true, true, """
				run nightly [--scheduled-time=INSTANT]
				    the nightly chain of the schedules: recompute, then reconcile if recompute completed"""));
		entries.add(new UsageEntry(List.of("scheduler"), false, false, """
				scheduler
				    run the schedules in a long-running, clustered Quartz scheduler (health: GET /health)"""));
		entries.add(new UsageEntry(List.of("status"), false, false, """
				status [--limit=N]
				    the last N executions (default 5) of every job and the archive ledger by month,
				    every time in UTC"""));
		entries.add(new UsageEntry(List.of("restart", "stop"), false, true, """
				restart <execution-id> | stop <execution-id>
				    restart a failed or stopped execution (or one whose process died) where it stopped;
				    ask a running one to stop"""));
		entries.add(new UsageEntry(List.of("reprocess"), false, true, """
				reprocess --from=YYYY-MM-DD --to=YYYY-MM-DD [--users=ID,...] [--algorithm-version=N] [--dry-run]
				    recompute a range on demand (a backfill) and print what changed"""));
		entries.add(new UsageEntry(List.of("generate"), false, false, """
				generate --users=N --days=D [--seed=S] [--end=YYYY-MM-DD] [--threads=T]
				    write a deterministic synthetic data set of D days ending on --end (default: yesterday, UTC)"""));
		entries.add(new UsageEntry(List.of("help"), false, false, """
				help [<command> [<job>]] | <command> [<job>] --help
				    print this usage, or a command's, and exit 0 (-h is --help)"""));
		return List.copyOf(entries);
	}

	/**
	 * The usage of some entries, with the notes of the footer that apply to them: the
	 * {@code --scheduled-time} line only beside a job that takes it, the exit codes of a
	 * job's run only beside a command that runs jobs.
	 */
	private static String usage(List<UsageEntry> entries) {
		boolean scheduledTime = entries.stream().anyMatch(UsageEntry::scheduledTime);
		boolean runsJobs = entries.stream().anyMatch(UsageEntry::runsJobs);
		return USAGE_HEADER + "\n"
				+ entries.stream()
					.flatMap((entry) -> entry.text().lines())
					.map((line) -> "  " + line)
					.collect(Collectors.joining("\n"))
				+ "\n" + (scheduledTime ? SCHEDULED_TIME_NOTE : SETTINGS_NOTE) + "\n"
				+ (runsJobs ? JOB_EXIT_CODES : EXIT_CODES) + "\n" + DATABASE_NOTE;
	}

	/**
	 * Parses the arguments.
	 * @throws UsageException when they are not a valid command line
	 */
	public static Invocation parse(String... args) {
		if (args.length == 0) {
			throw new UsageException("Missing command: expected one of " + COMMANDS + ", or help");
		}
		String command = args[0];
		if (!COMMANDS.contains(command)) {
			throw new UsageException("Unknown command '%s': expected one of %s, or help".formatted(command, COMMANDS));
		}
		int next = 1;
		String job = null;
		if (command.equals("run")) {
			if (args.length < 2 || args[1].startsWith("--")) {
				throw new UsageException("Missing job for 'run': expected one of %s, or a chain: %s"
					.formatted(jobNames(), chainNames()));
			}
			job = args[1];
			if (jobOptions(job) == null && chain(job) == null) {
				throw new UsageException("Unknown job '%s': expected one of %s, or a chain: %s".formatted(job,
						jobNames(), chainNames()));
			}
			next = 2;
		}
		if (command.equals("restart") || command.equals("stop")) {
			if (args.length < 2 || args[1].startsWith("--")) {
				throw new UsageException("Missing execution id for '%s': expected '%s <execution-id>' (see 'status')"
					.formatted(command, command));
			}
			if (!isExecutionId(args[1])) {
				throw new UsageException(
						"Invalid execution id '%s' for '%s': expected the number of an execution, as 'status' lists them"
							.formatted(args[1], command));
			}
			if (args.length > 2 && !args[2].startsWith("--")) {
				throw new UsageException("'%s' takes one execution id, got '%s' and '%s': %s them one at a time"
					.formatted(command, args[1], args[2], command));
			}
			Set<String> alone = new HashSet<>();
			Invocation invocation = new Invocation(command, null, options(args, 2, alone), alone);
			invocation.onlyOptions();
			invocation.options().put(EXECUTION_ID, args[1]);
			return invocation;
		}
		Set<String> alone = new HashSet<>();
		Invocation invocation = new Invocation(command, job, options(args, next, alone), alone);
		List<String> notes = new ArrayList<>();
		Map<String, String> parameters = validate(invocation, notes::add);
		return (parameters != null) ? invocation.withParameters(parameters, notes) : invocation;
	}

	/**
	 * Checks an optional {@code --scheduled-time}: an instant, not before 1970 and not
	 * after the clock (give or take {@link #CLOCK_SKEW}). A schedule passes the time it
	 * fired for, which is never later than the run; a later one (a mistyped year) would
	 * have the jobs treat days still in progress as ended and score them.
	 */
	private static void checkScheduledTime(Invocation invocation) {
		Instant scheduled = invocation.instant(ScheduleParameters.SCHEDULED_TIME, null);
		Instant now = Instant.now();
		if (scheduled != null && scheduled.isBefore(Instant.EPOCH)) {
			// a mistyped year: the jobs would create partitions of that year, or read
			// dates before year 1 that PostgreSQL refuses once the run has started
			throw new UsageException(("Invalid --%s=%s: it is before %s, and no schedule fired then; give the time"
					+ " the schedule fired, or leave the option out to use the clock")
				.formatted(ScheduleParameters.SCHEDULED_TIME, invocation.option(ScheduleParameters.SCHEDULED_TIME, ""),
						Instant.EPOCH));
		}
		if (scheduled != null && scheduled.isAfter(now.plus(CLOCK_SKEW))) {
			throw new UsageException(("Invalid --%s=%s: it is after this machine's clock (%s); a schedule passes the"
					+ " time it fired for, never a later one. Give that time, or leave the option out to use the"
					+ " clock")
				.formatted(ScheduleParameters.SCHEDULED_TIME, invocation.option(ScheduleParameters.SCHEDULED_TIME, ""),
						now.truncatedTo(ChronoUnit.SECONDS)));
		}
	}

	/**
	 * Checks the options of the command, so that a wrong one fails before anything
	 * starts, and makes the job parameters of {@code run <job>} and {@code reprocess}.
	 * @param notes takes what the run should log about its parameters
	 * @return the job parameters, or {@code null} for a command that has none
	 */
	private static Map<String, String> validate(Invocation invocation, Consumer<String> notes) {
		switch (invocation.command()) {
			case "run" -> {
				if (chain(invocation.job()) != null) {
					invocation.onlyOptions(ScheduleParameters.SCHEDULED_TIME);
					checkScheduledTime(invocation);
					return null;
				}
				JobOptions job = jobOptions(invocation.job());
				// every job is given the scheduled time that schedules pass; relative
				// options use it
				List<String> allowed = new ArrayList<>(job.options());
				allowed.add(ScheduleParameters.SCHEDULED_TIME);
				invocation.onlyOptions(allowed.stream().distinct().toArray(String[]::new));
				if (job.takesScheduledTime(invocation)) {
					// one that takes none there (restore, a --from/--to range) says
					// so, not that the time is wrong
					checkScheduledTime(invocation);
				}
				return job.parameters(invocation, notes);
			}
			case "generate", "demo" -> {
				invocation.onlyOptions(commandOptions(invocation));
				if (invocation.command().equals("generate") && !(invocation.has("users") && invocation.has("days"))) {
					List<String> missing = new ArrayList<>();
					if (!invocation.has("users")) {
						missing.add("--users=N");
					}
					if (!invocation.has("days")) {
						missing.add("--days=D");
					}
					throw new UsageException("Missing %s for 'generate'".formatted(String.join(" and ", missing)));
				}
				dataSetUsers(invocation, 1);
				checkDataSetDays(invocation);
				dataSetThreads(invocation, 1);
				invocation.longValue("seed", 0);
				return null;
			}
			case "scheduler" -> {
				invocation.onlyOptions(commandOptions(invocation));
				return null;
			}
			case "status" -> {
				invocation.onlyOptions(commandOptions(invocation));
				invocation.positiveInt("limit", 1);
				return null;
			}
			case "reprocess" -> {
				invocation.onlyOptions(commandOptions(invocation));
				Map<String, String> parameters = new RecomputeOptions().parameters(invocation, notes);
				invocation.positiveInt("algorithm-version", 1);
				invocation.flag("dry-run");
				return parameters;
			}
			default -> throw new IllegalStateException("Unhandled command " + invocation.command());
		}
	}

	/**
	 * Reads the {@code --users} of {@code generate} and {@code demo}.
	 * @param invocation the command line
	 * @param fallback the number of users when the option is absent
	 * @return the number of users, 1 to {@link #MAX_DATA_SET_USERS}
	 * @throws UsageException when it is not a whole number in that range
	 */
	static int dataSetUsers(Invocation invocation, int fallback) {
		return invocation.positiveInt("users", fallback, MAX_DATA_SET_USERS, (value) -> String.format(Locale.ROOT,
				"Invalid --users=%s: expected 1 to %,d (the generator counts user ids 1 to N, and N/200 more for"
						+ " the readings of unknown users, in an int; a billion users already make about 40 billion"
						+ " readings a day)",
				value, MAX_DATA_SET_USERS));
	}

	/**
	 * Reads the {@code --threads} of {@code generate} and {@code demo}.
	 * @param invocation the command line
	 * @param fallback the number of threads when the option is absent
	 * @return the number of threads, 1 to {@link #MAX_DATA_SET_THREADS}
	 * @throws UsageException when it is not a whole number in that range
	 */
	static int dataSetThreads(Invocation invocation, int fallback) {
		return invocation.positiveInt("threads", fallback, MAX_DATA_SET_THREADS, (value) -> String.format(Locale.ROOT,
				"Invalid --threads=%s: expected 1 to %d (each thread writes its share of the users over a database"
						+ " connection of its own: threads beyond the connection pool, 8 connections on the embedded"
						+ " database, only wait for one)",
				value, MAX_DATA_SET_THREADS));
	}

	/**
	 * Checks the days of {@code generate} and {@code demo}: at most
	 * {@link DayRanges#MAX_DAYS_BACK} of them, as a range of the jobs (the generator
	 * creates a partition for every month), and an {@code --end} from
	 * {@link DayRanges#EARLIEST_DAY} on that some time zone has reached: readings of
	 * later days would be recorded, and arrive, in the future, and the demo would score
	 * days that {@code run recompute} refuses.
	 */
	private static void checkDataSetDays(Invocation invocation) {
		invocation.positiveInt("days", 1, DayRanges.MAX_DAYS_BACK,
				(value) -> String.format(Locale.ROOT,
						"Invalid --days=%s: expected at most %d (%d years of days, a partition for each month)", value,
						DayRanges.MAX_DAYS_BACK, DayRanges.MAX_YEARS));
		LocalDate end = invocation.date("end", null);
		if (end == null) {
			return;
		}
		DayRanges.checkEarliest("end", end);
		LocalDate latest = LocalDate.now(LATEST_ZONE);
		if (end.isAfter(latest)) {
			throw new UsageException(("Invalid --end=%s: no time zone has reached that day yet (the latest local"
					+ " date anywhere, UTC+14, is %s); give an --end up to it, or leave it out for yesterday (UTC)")
				.formatted(end, latest));
		}
	}

	/**
	 * One entry of the usage.
	 *
	 * @param topics what it shows: a command, or {@code run} and a job
	 * @param scheduledTime whether it takes {@code --scheduled-time}
	 * @param runsJobs whether it runs jobs, and so exits with their exit codes (3 to 5)
	 * @param text its lines, the command line first, then what it does, indented
	 */
	private record UsageEntry(List<String> topics, boolean scheduledTime, boolean runsJobs, String text) {

	}

	private static String[] commandOptions(Invocation invocation) {
		return COMMAND_OPTIONS.get(invocation.command()).toArray(String[]::new);
	}

	/** The command-line face of the job named {@code name}, or {@code null}. */
	public static JobOptions jobOptions(String name) {
		return JOBS.stream().filter((job) -> job.name().equals(name)).findFirst().orElse(null);
	}

	/**
	 * The chain of jobs (e.g. {@code nightly}) named {@code name} in the schedules, or
	 * {@code null}.
	 */
	public static ScheduleDefinition chain(String name) {
		return Schedules.defaults().find(name).filter(ScheduleDefinition::isChain).orElse(null);
	}

	private static List<String> chainNames() {
		return Schedules.defaults()
			.definitions()
			.stream()
			.filter(ScheduleDefinition::isChain)
			.map(ScheduleDefinition::name)
			.toList();
	}

	private static List<String> jobNames() {
		return JOBS.stream().map(JobOptions::name).toList();
	}

	private static boolean isExecutionId(String value) {
		try {
			return value.matches("\\d+") && Long.parseLong(value) > 0;
		}
		catch (NumberFormatException ex) {
			return false;
		}
	}

	/**
	 * The options from {@code from} on, by name; one given alone ({@code --dry-run}) has
	 * the value {@code true}, and its name goes to {@code alone}.
	 */
	private static Map<String, String> options(String[] args, int from, Set<String> alone) {
		Map<String, String> options = new LinkedHashMap<>();
		for (int i = from; i < args.length; i++) {
			String arg = args[i];
			if (!arg.startsWith("--") || arg.length() == 2) {
				String previous = args[i - 1];
				if (!arg.startsWith("--") && i > from && previous.startsWith("--") && previous.indexOf('=') < 0) {
					// --name value: the value is not echoed, it may be a password
					throw new UsageException(
							"Unexpected argument after %s: options take their value after '=', as %s=VALUE"
								.formatted(previous, previous));
				}
				throw new UsageException("Unexpected argument '%s': options are written --name=value".formatted(arg));
			}
			int eq = arg.indexOf('=');
			String name = (eq < 0) ? arg.substring(2) : arg.substring(2, eq);
			String value = (eq < 0) ? "true" : arg.substring(eq + 1);
			if (options.put(name, value) != null) {
				throw new UsageException("Option --%s is given twice".formatted(name));
			}
			if (eq < 0) {
				alone.add(name);
			}
		}
		return options;
	}

}
