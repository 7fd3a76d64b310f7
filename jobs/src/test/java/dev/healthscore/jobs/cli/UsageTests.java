package dev.healthscore.jobs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.healthscore.schedules.ScheduleParameters;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The usage text the command line prints and the README's "Command line" section show
 * every option that each command accepts, and the same defaults.
 */
class UsageTests {

	private static final Path README = Path.of("..", "README.md");

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
		assertThat(CommandLineParser.USAGE).contains(
				"Exit codes: 0 completed, 1 failed, 2 bad usage, 3 already running, 4 replica lagging, 5 stopped.");
		for (ExitCode code : ExitCode.values()) {
			assertThat(readme).contains("| " + code.code() + " | ");
		}
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
					"Unknown command 'stauts': expected one of [run, demo, generate, scheduler, status, restart, stop, reprocess]");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.help("run", "recompote", "--help"))
			.withMessageStartingWith("Unknown job 'recompote'");
	}

	@Test
	void theReadmeShowsHelp() throws IOException {
		assertThat(lines(commandLineSection(), "help")).anyMatch((line) -> line.contains("--help"));
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

}
