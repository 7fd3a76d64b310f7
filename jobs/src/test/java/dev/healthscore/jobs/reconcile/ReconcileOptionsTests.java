package dev.healthscore.jobs.reconcile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;

import dev.healthscore.jobs.cli.CommandLineParser;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.schedules.ScoreDateWindow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The command line of {@code run reconcile}. */
@ExtendWith(OutputCaptureExtension.class)
class ReconcileOptionsTests {

	private final ReconcileOptions options = new ReconcileOptions();

	@Test
	void flagsBecomeTrueParametersAndAbsentFlagsNone() {
		Invocation invocation = CommandLineParser.parse("run", "reconcile", "--from=2025-01-01", "--to=2025-01-31",
				"--full", "--dry-run=true", "--upgrade-version=false", "--report=out/report.json");
		assertThat(this.options.parameters(invocation)).containsExactly(Map.entry("from", "2025-01-01"),
				Map.entry("to", "2025-01-31"), Map.entry("full", "true"), Map.entry("dry-run", "true"),
				Map.entry("report", "out/report.json"));
	}

	@Test
	void theDefaultIsAnIncrementalRunThatWrites() {
		Invocation invocation = CommandLineParser.parse("run", "reconcile", "--from=2025-01-01", "--to=2025-01-01");
		assertThat(this.options.parameters(invocation)).containsOnlyKeys("from", "to");
	}

	@Test
	void aFlagWithAnotherValueIsAUsageError() {
		assertThatExceptionOfType(UsageException.class).isThrownBy(
				() -> CommandLineParser.parse("run", "reconcile", "--from=2025-01-01", "--to=2025-01-31", "--full=yes"))
			.withMessage("Invalid --full=yes: expected --full alone, or =true or =false");
	}

	@Test
	void aReportWithoutAFileIsAUsageError() {
		assertThatExceptionOfType(UsageException.class).isThrownBy(
				() -> CommandLineParser.parse("run", "reconcile", "--from=2025-01-01", "--to=2025-01-31", "--report"))
			.withMessage("Missing file name in --report: expected --report=FILE.json");
	}

	@Test
	void anUnknownOptionNamesTheOptionsOfReconcile() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "reconcile", "--from=2025-01-01", "--to=2025-01-31",
					"--dayz-back=30"))
			.withMessageStartingWith("Unknown option(s) [dayz-back] for 'run reconcile'");
	}

	@Test
	void theNightlyDaysBackResolvesAgainstTheScheduledTime() {
		Invocation invocation = CommandLineParser.parse("run", "reconcile", "--days-back=30",
				"--scheduled-time=2025-03-31T02:00:00Z");
		// 2025-03-30 is still in progress west of UTC-2 at 02:00 UTC on the 31st
		assertThat(CommandLineParser.jobOptions("reconcile").parameters(invocation)).containsEntry("from", "2025-03-01")
			.containsEntry("to", "2025-03-29");
	}

	@Test
	void aRangeStopsAtTheLastDayThatHasEndedInEveryTimeZone() {
		LocalDate last = ScoreDateWindow.lastEndedEverywhere(Instant.now());
		Invocation invocation = CommandLineParser.parse("run", "reconcile", "--from=" + last.minusDays(5),
				"--to=" + last.plusDays(3));
		assertThat(CommandLineParser.jobOptions("reconcile").parameters(invocation))
			.containsEntry("from", last.minusDays(5).toString())
			.containsEntry("to", last.toString());
	}

	/**
	 * The nightly reconcile's window always ends after the last day ended everywhere: the
	 * note was logged twice, the first time while the command line was parsed, before
	 * Spring Boot set up logging (plain text among the task's JSON log lines).
	 */
	@Test
	void theLoweredRangeIsLoggedWhenTheRunIsMadeNotWhileTheCommandLineIsParsed(CapturedOutput output) {
		Invocation invocation = CommandLineParser.parse("run", "reconcile", "--days-back=30",
				"--scheduled-time=2025-03-31T02:00:00Z");
		assertThat(output).doesNotContain("instead of");
		// the run logs the note the command line carries, with the parameters it made
		// once
		assertThat(invocation.notes()).singleElement()
			.asString()
			.startsWith("Reconciling 2025-03-01..2025-03-29 instead of ..2025-03-30: at 2025-03-31T02:00:00Z");
		assertThat(invocation.parameters()).containsExactly(Map.entry("from", "2025-03-01"),
				Map.entry("to", "2025-03-29"));
		// made by hand, the parameters log it
		CommandLineParser.jobOptions("reconcile").parameters(invocation);
		assertThat(output).containsOnlyOnce("Reconciling 2025-03-01..2025-03-29 instead of ..2025-03-30");
	}

	@Test
	void aRangeOfDaysStillInProgressSomewhereIsAUsageError() {
		LocalDate last = ScoreDateWindow.lastEndedEverywhere(Instant.now());
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "reconcile", "--from=" + last.plusDays(1),
					"--to=" + last.plusDays(2)))
			.withMessageStartingWith("Nothing to reconcile in " + last.plusDays(1) + ".." + last.plusDays(2))
			.withMessageContaining("reconcile days up to " + last);
	}

	/**
	 * A mistyped year or --days-back would create a score partition for every month of
	 * the range, or fail the run on dates PostgreSQL cannot hold.
	 */
	@Test
	void aRangeOfMoreThanTenYearsIsAUsageErrorButAFarToIsLoweredFirst() {
		LocalDate last = ScoreDateWindow.lastEndedEverywhere(Instant.now());
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "reconcile", "--from=1025-01-01", "--to=2025-01-31"))
			.withMessageStartingWith("Invalid range --from=1025-01-01 --to=2025-01-31: it spans more than 10 years"
					+ " (12,001 months, each a partition to create)");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "reconcile", "--days-back=2000000000"))
			.withMessageStartingWith("Invalid --days-back=2000000000: expected at most 3653");
		assertThat(CommandLineParser.parse("run", "reconcile", "--days-back=3653")).isNotNull();
		assertThat(CommandLineParser.jobOptions("reconcile")
			.parameters(CommandLineParser.parse("run", "reconcile", "--from=" + last.minusYears(1), "--to=2999-12-31")))
			.containsEntry("to", last.toString());
	}

	/**
	 * A scheduled time is when a schedule fired: one ahead of the clock must not let days
	 * in that are still in progress somewhere.
	 */
	@Test
	void aScheduledTimeAheadOfTheClockDoesNotReconcileDaysStillInProgress() {
		Instant ahead = Instant.now().plus(java.time.Duration.ofDays(5));
		LocalDate last = ScoreDateWindow.lastEndedEverywhere(Instant.now());
		// the command line refuses it first; the job's own cap stands behind that
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(
					() -> CommandLineParser.parse("run", "reconcile", "--days-back=30", "--scheduled-time=" + ahead))
			.withMessageStartingWith("Invalid --scheduled-time=" + ahead + ": it is after this machine's clock");
		assertThat(
				CommandLineParser.jobOptions("reconcile")
					.parameters(new Invocation("run", "reconcile",
							Map.of("days-back", "30", "scheduled-time", ahead.toString()))))
			.containsEntry("to", last.toString());
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.jobOptions("reconcile")
				.parameters(new Invocation("run", "reconcile",
						Map.of("days-back", "2", "scheduled-time", ahead.toString()))))
			.withMessageStartingWith("Nothing to reconcile");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "reconcile", "--days-back=2",
					"--scheduled-time=+1000000000-01-01T00:00:00Z"))
			.withMessage("Invalid --scheduled-time=+1000000000-01-01T00:00:00Z: expected an ISO-8601 instant such as"
					+ " 2025-01-31T02:00:00Z");
	}

	@Test
	void theUsageShowsTheReconcileCommand() {
		assertThat(CommandLineParser.USAGE).contains("run reconcile --from=YYYY-MM-DD --to=YYYY-MM-DD [--full]");
	}

	@Test
	void aReportThatCouldNotBeWrittenIsRefusedBeforeAnythingRuns(@TempDir Path folder) throws IOException {
		Path file = Files.writeString(folder.resolve("taken.txt"), "a file, not a folder");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "reconcile", "--from=2025-01-01", "--to=2025-01-31",
					"--report=" + file.resolve("report.json")))
			.withMessageContaining("is not a folder this process can write in");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "reconcile", "--from=2025-01-01", "--to=2025-01-31",
					"--report=" + folder))
			.withMessageContaining("it is a directory; expected a file name such as report.json");
		assertThat(CommandLineParser.parse("run", "reconcile", "--from=2025-01-01", "--to=2025-01-31",
				"--report=" + folder.resolve("new/sub/report.json")))
			.isNotNull();
	}

}
