package dev.healthscore.jobs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.ScheduleParameters;
import dev.healthscore.schedules.Schedules;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The usage text the command line prints and the README's "Command line" section show
 * every option that each command accepts, and the same defaults.
 */
class UsageTests {

	private static final Path README = Path.of("..", "README.md");

	private static final Pattern OPTION = Pattern.compile("--([a-z][a-z-]*)");

	/**
	 * A value of each option that the parser takes on its own ({@code ""}: a flag); the
	 * scheduled time is an hour ago.
	 */
	private static final Map<String, String> SAMPLES = Map.ofEntries(Map.entry("from", "2025-01-01"),
			Map.entry("to", "2025-01-02"), Map.entry("users", "1"), Map.entry("shard", "1/2"),
			Map.entry("days-back", "2"), Map.entry("full", ""), Map.entry("dry-run", ""),
			Map.entry("upgrade-version", ""),
			Map.entry("report", Path.of(System.getProperty("java.io.tmpdir"), "usage-report.json").toString()),
			Map.entry("before", "2020-01"), Map.entry("hot-months", "13"), Map.entry("allow-recent", ""),
			Map.entry("rearchive", "2020-01"), Map.entry("table", "health_reading"), Map.entry("month", "2020-01"),
			Map.entry("months-ahead", "2"), Map.entry("days", "1"), Map.entry("seed", "1"),
			Map.entry("end", "2025-01-01"), Map.entry("threads", "1"), Map.entry("limit", "1"),
			Map.entry("algorithm-version", "1"));

	@Test
	void theUsageTextShowsEveryOptionOfEveryCommand() {
		forEveryCommand((command, options) -> assertShows(lines(CommandLineParser.USAGE, command), command, options));
	}

	@Test
	void theReadmeShowsEveryOptionOfEveryCommand() throws IOException {
		String section = commandLineSection();
		forEveryCommand((command, options) -> assertShows(lines(section, command), command, options));
	}

	@Test
	void theUsageTextAndTheReadmeGiveTheSameDefaultsAndExitCodes() throws IOException {
		String readme = Files.readString(README);
		assertThat(CommandLineParser.USAGE).contains("the last N executions (default 5)");
		assertThat(commandLineSection()).contains("last N executions (default 5)");
		// 4 is not only a replica lagging: README's table says unreachable, or not a
		// standby, too
		assertThat(CommandLineParser.USAGE)
			.contains("Exit codes: 0 completed, 1 failed, 2 bad usage, 3 already running,"
					+ " 4 replica behind, unreachable or not a standby, 5 stopped.");
		for (ExitCode code : ExitCode.values()) {
			assertThat(readme).contains("| " + code.code() + " | ");
		}
		assertThat(readme).contains("| 4 | the read replica is too far behind or unreachable")
			.contains("not to be a standby of the primary); the run's summary line");
	}

	/**
	 * Every command's help repeated the footer about {@code --scheduled-time} and the
	 * exit codes of a job's run, for commands that take no {@code --scheduled-time} or
	 * run no job: each shows the notes that apply to it.
	 */
	@Test
	void helpOnACommandShowsOnlyTheFooterNotesThatApplyToIt() {
		String jobExitCodes = "Exit codes: 0 completed, 1 failed, 2 bad usage, 3 already running";
		for (String command : new String[] { "status", "generate", "scheduler" }) {
			assertThat(CommandLineParser.help("help", command)).as(command)
				.doesNotContain("--scheduled-time")
				.doesNotContain(jobExitCodes)
				.contains("Exit codes: 0 completed, 1 failed, 2 bad usage.")
				.contains("Any command takes settings as --spring.*=…")
				.contains("Database: set SPRING_DATASOURCE_URL");
		}
		for (String command : new String[] { "restart", "stop", "reprocess", "demo" }) {
			assertThat(CommandLineParser.help("help", command)).as(command)
				.doesNotContain("--scheduled-time")
				.contains(jobExitCodes);
		}
		assertThat(CommandLineParser.help("help", "run", "restore")).doesNotContain("--scheduled-time")
			.contains(jobExitCodes);
		for (String job : new String[] { "recompute", "nightly", "partitions" }) {
			assertThat(CommandLineParser.help("help", "run", job)).as(job)
				.contains("Every run <job> but restore also takes --scheduled-time=INSTANT")
				.contains(jobExitCodes);
		}
		assertThat(CommandLineParser.help("help", "run")).contains("Every run <job> but restore also takes");
	}

	/**
	 * {@code help status extra} printed the usage of status and exited 0, ignoring the
	 * word; it is refused, as {@code help stauts} is.
	 */
	@Test
	void helpRefusesAWordAfterTheCommandOrJobItShows() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.help("help", "status", "extra"))
			.withMessage("Unexpected 'extra' after 'help status': help takes a command, and for run a job"
					+ " (help run recompute)");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.help("help", "run", "recompute", "extra"))
			.withMessageStartingWith("Unexpected 'extra' after 'help run recompute': ");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.help("help", "restart", "12"))
			.withMessageStartingWith("Unexpected '12' after 'help restart': ");
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.help("-h", "help", "run"))
			.withMessageStartingWith("Unexpected 'run' after 'help help': ");
		// --help after a command line still shows its command's usage, whatever the line
		// holds
		assertThat(CommandLineParser.help("run", "recompute", "extra", "--help"))
			.isEqualTo(CommandLineParser.help("help", "run", "recompute"));
		// the usage under the error is that of the command help was asked of
		assertThat(CommandLineParser.usageFor("help", "status", "extra"))
			.isEqualTo(CommandLineParser.help("help", "status") + System.lineSeparator() + "(every command: 'help')");
	}

	/**
	 * {@code help status --limit=3} printed the usage of status and exited 0, ignoring
	 * the option; it is refused as a word there is, naming the option (not its value).
	 * Settings, which any command takes, are not.
	 */
	@Test
	void helpRefusesAnOptionAfterIt() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.help("help", "status", "--limit=3"))
			.withMessage("Unexpected option --limit after 'help status': help takes only a command name, and for run"
					+ " a job (help run recompute); give the option to the command itself");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.help("help", "run", "recompute", "--days-back=2"))
			.withMessageStartingWith("Unexpected option --days-back after 'help run recompute': ");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.help("help", "run", "--dry-run"))
			.withMessageStartingWith("Unexpected option --dry-run after 'help run': ");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.help("--help", "--limit", "status"))
			.withMessageStartingWith("Unexpected option --limit after 'help status': ");
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.help("-h", "-x"))
			.withMessageStartingWith("Unexpected option -x after 'help': ");
		assertThat(CommandLineParser.help("help", "status", "--logging.level.root=WARN"))
			.isEqualTo(CommandLineParser.help("help", "status"));
		assertThat(CommandLineParser.help("help", "--help")).isEqualTo(CommandLineParser.USAGE);
		// the usage under the error is that of the command help was asked of
		assertThat(CommandLineParser.usageFor("help", "status", "--limit=3"))
			.isEqualTo(CommandLineParser.help("help", "status") + System.lineSeparator() + "(every command: 'help')");
	}

	@Test
	void helpOnACommandOrJobShowsEveryOptionOfIt() {
		forEveryCommand((command, options) -> {
			String help = CommandLineParser.help(("help " + command).split(" "));
			assertShows(lines(help, command), command, options);
			assertThat(CommandLineParser.help((command + " --help").split(" "))).isEqualTo(help);
		});
	}

	@Test
	void helpOnAJobShowsThatJobOnlyAndHelpOnRunShowsEveryJobAndChain() {
		String recompute = CommandLineParser.help("run", "recompute", "--from=2025-01-01", "-h");
		assertThat(recompute).startsWith("Usage: ")
			.contains("run recompute --days-back=N")
			.doesNotContain("run reconcile")
			.doesNotContain("status")
			.contains("Exit codes: 0 completed");
		String run = CommandLineParser.help("run", "--help");
		for (JobOptions job : CommandLineParser.JOBS) {
			assertThat(run).contains("  run " + job.name());
		}
		assertThat(run).contains("  run nightly").doesNotContain("  demo");
		assertThat(CommandLineParser.help("restart", "12", "--help")).contains("restart <execution-id>")
			.isEqualTo(CommandLineParser.help("help", "stop"));
	}

	@Test
	void helpAloneShowsTheWholeUsageAndEveryCommand() {
		for (String help : new String[] { "help", "--help", "-h" }) {
			assertThat(CommandLineParser.help(help)).isEqualTo(CommandLineParser.USAGE);
		}
		for (String command : CommandLineParser.COMMANDS) {
			if (!command.equals("stop")) {
				lines(CommandLineParser.USAGE, command);
			}
		}
		assertThat(lines(CommandLineParser.USAGE, "restart"))
			.anyMatch((line) -> line.contains("| stop <execution-id>"));
		lines(CommandLineParser.USAGE, "help");
	}

	@Test
	void aCommandLineWithoutHelpIsNotHelp() {
		assertThat(CommandLineParser.help()).isNull();
		assertThat(CommandLineParser.help("run", "recompute", "--from=2025-01-01", "--to=2025-01-02")).isNull();
		assertThat(CommandLineParser.help("run", "reconcile", "--report=--help")).isNull();
	}

	@Test
	void helpOnAnUnknownCommandOrJobIsAUsageError() {
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.help("help", "stauts"))
			.withMessage(
					"Unknown command 'stauts': expected one of [run, demo, generate, scheduler, status, restart, stop,"
							+ " reprocess], or help");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.help("run", "recompote", "--help"))
			.withMessageStartingWith("Unknown job 'recompote'");
	}

	@Test
	void theReadmeShowsHelp() throws IOException {
		assertThat(lines(commandLineSection(), "help")).anyMatch((line) -> line.contains("--help"));
	}

	/**
	 * Each form of a command in the usage (a line such as
	 * {@code run recompute --days-back=N
	 * ...}) shows exactly the options the parser takes beside that form's own: the usage
	 * said {@code run recompute --days-back=N [--scheduled-time=INSTANT]}, while the
	 * parser takes {@code --users} and {@code --shard} with it too.
	 */
	@Test
	void eachFormInTheUsageTextShowsTheOptionsTheParserTakesWithIt() {
		assertFormsShowWhatTheParserTakes(CommandLineParser.USAGE);
	}

	@Test
	void eachFormInTheReadmeShowsTheOptionsTheParserTakesWithIt() throws IOException {
		assertFormsShowWhatTheParserTakes(commandLineSection());
	}

	/**
	 * For every command that takes options, and every form of it that {@code text} shows:
	 * each option the command knows is shown in brackets exactly when the parser takes it
	 * beside the form's own options (outside brackets).
	 */
	private static void assertFormsShowWhatTheParserTakes(String text) {
		Map<String, List<String>> forms = forms(text);
		Map<String, String> samples = new HashMap<>(SAMPLES);
		samples.put(ScheduleParameters.SCHEDULED_TIME,
				Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString());
		candidates().forEach((command, options) -> {
			assertThat(forms.get(command)).as("forms of '%s'", command).isNotEmpty();
			for (String form : forms.get(command)) {
				List<String> own = new ArrayList<>();
				List<String> optional = new ArrayList<>();
				Matcher option = OPTION.matcher(form);
				while (option.find()) {
					String before = form.substring(0, option.start());
					boolean bracketed = before.chars().filter((c) -> c == '[').count() > before.chars()
						.filter((c) -> c == ']')
						.count();
					(bracketed ? optional : own).add(option.group(1));
				}
				assertThat(own).as("'%s' shows options that '%s' does not know", form, command).isSubsetOf(options);
				assertThat(optional).as("'%s' shows options that '%s' does not know", form, command)
					.isSubsetOf(options);
				List<String> args = new ArrayList<>(List.of(command.split(" ")));
				own.forEach((name) -> args.add(sample(samples, name)));
				assertThat(takes(args)).as("'%s' as shown", form).isTrue();
				for (String name : options) {
					if (own.contains(name)) {
						continue;
					}
					List<String> with = new ArrayList<>(args);
					with.add(sample(samples, name));
					boolean taken = takes(with);
					assertThat(optional.contains(name))
						.as("'%s' shows --%s (the parser %s '%s')", form, name, taken ? "takes" : "refuses",
								String.join(" ", with))
						.isEqualTo(taken);
				}
			}
		});
	}

	/** What each command or run takes (as options, without dashes), settings aside. */
	private static Map<String, List<String>> candidates() {
		Map<String, List<String>> candidates = new LinkedHashMap<>();
		CommandLineParser.COMMAND_OPTIONS.forEach((command, options) -> {
			if (!options.isEmpty()) {
				candidates.put(command, options);
			}
		});
		for (JobOptions job : CommandLineParser.JOBS) {
			List<String> options = new ArrayList<>(job.options());
			if (!options.contains(ScheduleParameters.SCHEDULED_TIME)) {
				// every run is given it to refuse or take
				options.add(ScheduleParameters.SCHEDULED_TIME);
			}
			candidates.put("run " + job.name(), options);
		}
		for (ScheduleDefinition chain : Schedules.defaults().definitions()) {
			if (chain.isChain()) {
				candidates.put("run " + chain.name(), List.of(ScheduleParameters.SCHEDULED_TIME));
			}
		}
		return candidates;
	}

	private static String sample(Map<String, String> samples, String name) {
		assertThat(samples).as("a sample value of --%s", name).containsKey(name);
		String value = samples.get(name);
		return value.isEmpty() ? "--" + name : "--" + name + "=" + value;
	}

	private static boolean takes(List<String> args) {
		try {
			CommandLineParser.parse(args.toArray(String[]::new));
			return true;
		}
		catch (UsageException ex) {
			return false;
		}
	}

	/**
	 * The forms of each command ({@code demo}, {@code run recompute}) that a usage text
	 * shows: its lines indented by two spaces, without the description beside them, each
	 * with the lines that go on with its options ({@code [--…]}, indented further).
	 */
	private static Map<String, List<String>> forms(String text) {
		Map<String, List<String>> forms = new LinkedHashMap<>();
		List<String> last = null;
		for (String line : text.lines().toList()) {
			String form = line.strip().split(" {3,}")[0];
			if (last != null && line.startsWith("   ") && form.startsWith("[")) {
				last.set(last.size() - 1, last.get(last.size() - 1) + " " + form);
				continue;
			}
			last = null;
			if (!line.startsWith("  ") || line.startsWith("   ")) {
				continue;
			}
			String[] words = form.split(" ");
			String command = (words[0].equals("run") && words.length > 1) ? "run " + words[1] : words[0];
			last = forms.computeIfAbsent(command, (key) -> new ArrayList<>());
			last.add(form);
		}
		return forms;
	}

	/**
	 * Calls {@code check} with each command or {@code run <job>} and the options it
	 * accepts, as {@code --name}; the scheduled time, which every job takes, is said once
	 * for all.
	 */
	private static void forEveryCommand(java.util.function.BiConsumer<String, String[]> check) {
		CommandLineParser.COMMAND_OPTIONS.forEach((command, options) -> check.accept(command, dashed(options)));
		for (JobOptions job : CommandLineParser.JOBS) {
			check.accept("run " + job.name(),
					dashed(job.options()
						.stream()
						.filter((option) -> !option.equals(ScheduleParameters.SCHEDULED_TIME))
						.toList()));
		}
	}

	private static void assertShows(List<String> lines, String command, String[] options) {
		for (String option : options) {
			assertThat(String.join("\n", lines)).as("usage of '%s'", command).contains(option);
		}
	}

	private static String[] dashed(List<String> options) {
		return options.stream().map((option) -> "--" + option).toArray(String[]::new);
	}

	/** The lines of a usage text that show {@code command} (at least one). */
	private static List<String> lines(String text, String command) {
		List<String> lines = new ArrayList<>();
		for (String line : text.lines().toList()) {
			String trimmed = line.strip();
			if (trimmed.equals(command) || trimmed.startsWith(command + " ")) {
				lines.add(trimmed);
			}
		}
		assertThat(lines).as("lines of '%s'", command).isNotEmpty();
		return lines;
	}

	private static String commandLineSection() throws IOException {
		String readme = Files.readString(README);
		int start = readme.indexOf("## Command line");
		int end = readme.indexOf("```", readme.indexOf("```", start) + 3);
		assertThat(start).isNotNegative();
		return readme.substring(start, end);
	}

	/**
	 * A usage error printed the whole usage, 40 lines of other commands under which the
	 * error scrolled away; it prints the command's own, and the whole one only when the
	 * command line names no command.
	 */
	@Test
	void aUsageErrorShowsTheUsageOfItsCommand() {
		String more = System.lineSeparator() + "(every command: 'help')";
		assertThat(CommandLineParser.usageFor("run", "recompute", "--form=2025-01-01"))
			.isEqualTo(CommandLineParser.help("help", "run", "recompute") + more);
		assertThat(CommandLineParser.usageFor("run", "nightly", "--x"))
			.isEqualTo(CommandLineParser.help("help", "run", "nightly") + more);
		assertThat(CommandLineParser.usageFor("run", "recmopute"))
			.isEqualTo(CommandLineParser.help("help", "run") + more);
		assertThat(CommandLineParser.usageFor("status", "--limit=x"))
			.isEqualTo(CommandLineParser.help("help", "status") + more)
			.doesNotContain("generate");
		assertThat(CommandLineParser.usageFor("stauts")).isEqualTo(CommandLineParser.USAGE);
		assertThat(CommandLineParser.usageFor()).isEqualTo(CommandLineParser.USAGE);
		assertThat(CommandLineParser.usageFor("help", "stauts")).isEqualTo(CommandLineParser.USAGE);
	}

}
