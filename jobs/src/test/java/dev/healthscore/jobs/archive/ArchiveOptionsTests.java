package dev.healthscore.jobs.archive;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.cli.CommandLineParser;
import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.jobs.partitions.PartitionsProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.job.parameters.JobParametersValidator;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@ExtendWith(OutputCaptureExtension.class)
class ArchiveOptionsTests {

	private static final String RESTORE_TAKES_NO_SCHEDULED_TIME = "Cannot give --scheduled-time to 'run restore': a"
			+ " restore brings back the month of --month whatever the time, and no schedule runs it; leave the option"
			+ " out";

	@Test
	void archiveTakesAnOptionalBeforeMonth() {
		assertThat(parameters("run", "archive")).isEmpty();
		assertThat(parameters("run", "archive", "--before=2025-03")).containsExactly(Map.entry("before", "2025-03"));
	}

	@Test
	void scheduledRunsGiveTheHotWindowAndTheirScheduledTime() {
		assertThat(parameters("run", "archive", "--hot-months=13", "--scheduled-time=2026-03-02T05:00:00Z"))
			.containsEntry("hot-months", "13")
			.containsEntry("scheduled-time", "2026-03-02T05:00:00Z");
		assertThat(parameters("run", "partitions", "--months-ahead=3", "--scheduled-time=2026-03-02T01:30:00Z"))
			.containsEntry("months-ahead", "3")
			.containsEntry("scheduled-time", "2026-03-02T01:30:00Z");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--hot-months=13", "--before=2025-01"))
			.withMessage("Give either --before=YYYY-MM or --hot-months=N to 'run archive', not both");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "partitions", "--scheduled-time=2026-03-02"))
			.withMessage(
					"Invalid --scheduled-time=2026-03-02: expected an ISO-8601 instant such as 2025-01-31T02:00:00Z");
	}

	@Test
	void rearchiveTakesRestoredMonthsInOrderEachOnce() {
		assertThat(parameters("run", "archive", "--rearchive=2024-12"))
			.containsExactly(Map.entry("rearchive", "2024-12"));
		assertThat(parameters("run", "archive", "--before=2025-02", "--rearchive=2025-01, 2024-11,2025-01"))
			.containsEntry("rearchive", "2024-11,2025-01");
		assertThat(ArchiveOptions.rearchiveParameter("2024-11,2025-01")).containsExactly(YearMonth.of(2024, 11),
				YearMonth.of(2025, 1));
		assertThat(ArchiveOptions.rearchiveParameter(null)).isEmpty();
		for (String value : new String[] { "2024-12,", "2024-13", "" }) {
			assertThatExceptionOfType(UsageException.class)
				.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--rearchive=" + value))
				.withMessage("Invalid --rearchive=%s: expected one or more restored months as YYYY-MM, comma-separated"
						+ " (such as --rearchive=2024-11,2024-12)", value);
		}
	}

	@Test
	void aBeforeMonthThatIsNotAMonthSaysWhatIsExpected() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--before=2025-3"))
			.withMessage("Invalid --before=2025-3: expected a month as YYYY-MM");
	}

	@Test
	void aScheduledTimeInTheFutureIsRefusedBeforeItCanLetBeforeReachTheCurrentMonth() {
		YearMonth next = YearMonth.now(ZoneOffset.UTC).plusMonths(1);
		String future = next.plusMonths(1).atDay(15) + "T00:00:00Z";
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(
					() -> CommandLineParser.parse("run", "archive", "--before=" + next, "--scheduled-time=" + future))
			.withMessageStartingWith("Invalid --scheduled-time=%s: it is after this machine's clock".formatted(future));
	}

	@Test
	void aBeforeMonthAfterTheCurrentOneIsRefused() {
		// the current month is the scheduled time's, read once
		YearMonth next = YearMonth.of(2025, 4);
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--before=" + next,
					"--scheduled-time=2025-03-15T00:00:00Z"))
			.withMessage(
					"Invalid --before=%s: it is after the current month %s, whose partition is still being written",
					next, next.minusMonths(1));
	}

	@Test
	void restoreNeedsAnArchivedTableAndAMonth() {
		assertThat(parameters("run", "restore", "--table=health_score", "--month=2025-01"))
			.containsExactly(Map.entry("table", "health_score"), Map.entry("month", "2025-01"));
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "restore", "--month=2025-01"))
			.withMessage("Missing --table=health_reading|health_score for 'run restore'");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "restore", "--table=app_user", "--month=2025-01"))
			.withMessage("Invalid --table=app_user: expected one of [health_reading, health_score]");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "restore", "--table=health_score"))
			.withMessage("Missing --month=YYYY-MM for 'run restore'");
	}

	/**
	 * The archive takes only months before the current one: a restore of the current
	 * month or a later one was refused only once the application had started, as a month
	 * "never archived (its rows, if it has any, are still in PostgreSQL)", and
	 * {@code --month=+99999-01} failed it with a stack trace (exit code 1).
	 */
	@Test
	void restoreRefusesAMonthTheArchiveCannotHaveTakenWithExitCodeTwo(CapturedOutput output) {
		YearMonth current = YearMonth.now(ZoneOffset.UTC);
		for (String month : new String[] { current.toString(), current.plusMonths(1).toString(), "2999-12",
				"+99999-01" }) {
			String[] args = { "run", "restore", "--table=health_reading", "--month=" + month };
			String message = ("Invalid --month=%s: the archive takes only months before the current one (%s), so it"
					+ " has not archived this one; give an archived month ('status' lists the archive ledger by"
					+ " month)")
				.formatted(month, current);
			assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse(args))
				.withMessage(message);
			assertThat(HealthScoreApplication.run(args)).isEqualTo(ExitCode.USAGE.code());
			assertThat(output.getErr()).contains(message + System.lineSeparator());
		}
		// a month of the hot window may have been archived (--allow-recent, the demo's)
		assertThat(parameters("run", "restore", "--table=health_score", "--month=" + current.minusMonths(1)))
			.containsEntry("month", current.minusMonths(1).toString());
	}

	/**
	 * A {@code --rearchive} month from the current one on was refused only once the
	 * application had started, with a message that said to give a {@code --before} after
	 * it, which is refused in its turn.
	 */
	@Test
	void rearchiveRefusesAMonthNoRestoreCanHaveBroughtBack() {
		YearMonth current = YearMonth.now(ZoneOffset.UTC);
		String value = "2024-11," + current.plusMonths(2);
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--rearchive=" + value))
			.withMessage("Invalid --rearchive=%s: %s is not before the current month %s, and the archive takes only"
					+ " months before it, so no restore brought it back; give restored months ('status' lists the"
					+ " archive ledger by month)", value, current.plusMonths(2), current);
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--rearchive=" + current))
			.withMessageStartingWith("Invalid --rearchive=%s: %s is not before the current month", current, current);
		assertThat(parameters("run", "archive", "--rearchive=" + current.minusMonths(1))).containsEntry("rearchive",
				current.minusMonths(1).toString());
	}

	/**
	 * A restore {@code --month} or a {@code --rearchive} month before 1900-01 was refused
	 * only once the application had started, by the archive ledger ("never archived", or
	 * "no table of that month is restored"), where such a {@code --before} is refused as
	 * the command line is read: no reading is that old.
	 */
	@Test
	void aRestoreOrRearchiveMonthBeforeAnyReadingIsRefusedAsTheCommandLineIsRead(CapturedOutput output) {
		for (String month : new String[] { "1899-12", "0000-01", "-2025-01", "-99999-01" }) {
			String[] restore = { "run", "restore", "--table=health_reading", "--month=" + month };
			String restoreMessage = ("Invalid --month=%s: it is before 1900-01, and no reading is that old (devices"
					+ " count time from 1970), so the archive has not taken it; check the year")
				.formatted(month);
			assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse(restore))
				.withMessage(restoreMessage);
			assertThat(HealthScoreApplication.run(restore)).isEqualTo(ExitCode.USAGE.code());
			assertThat(output.getErr()).contains(restoreMessage + System.lineSeparator());
			String[] rearchive = { "run", "archive", "--rearchive=2024-11," + month };
			String rearchiveMessage = ("Invalid --rearchive=2024-11,%s: %s is before 1900-01, and no reading is that"
					+ " old (devices count time from 1970), so no restore brought it back; check the year")
				.formatted(month, month);
			assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse(rearchive))
				.withMessage(rearchiveMessage);
			assertThat(HealthScoreApplication.run(rearchive)).isEqualTo(ExitCode.USAGE.code());
			assertThat(output.getErr()).contains(rearchiveMessage + System.lineSeparator());
		}
		assertThat(parameters("run", "restore", "--table=health_score", "--month=1900-01")).containsEntry("month",
				"1900-01");
		assertThat(parameters("run", "archive", "--rearchive=1900-01")).containsEntry("rearchive", "1900-01");
	}

	@Test
	void restoreRefusesAScheduledTimeItWouldIgnore() {
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("run", "restore",
				"--table=health_score", "--month=2025-01", "--scheduled-time=2025-03-01T03:00:00Z"))
			.withMessage(RESTORE_TAKES_NO_SCHEDULED_TIME);
	}

	/**
	 * A scheduled time after the clock was refused as one a schedule never passes ("Give
	 * that time, or leave the option out to use the clock"), as if restore took one: it
	 * takes none, at any time, and says so.
	 */
	@Test
	void restoreRefusesAScheduledTimeAfterTheClockAsItRefusesAnyWithExitCodeTwo(CapturedOutput output) {
		String future = Instant.now().plus(Duration.ofDays(365)).truncatedTo(ChronoUnit.SECONDS).toString();
		String[] args = { "run", "restore", "--table=health_reading", "--month=2025-01", "--scheduled-time=" + future };
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse(args))
			.withMessage(RESTORE_TAKES_NO_SCHEDULED_TIME);
		// refused as the command line is parsed, before anything starts
		assertThat(HealthScoreApplication.run(args)).isEqualTo(ExitCode.USAGE.code());
		assertThat(output.getErr()).startsWith(RESTORE_TAKES_NO_SCHEDULED_TIME + System.lineSeparator())
			.doesNotContain("after this machine's clock");
	}

	@Test
	void partitionsTakesAPositiveMonthsAhead() {
		assertThat(parameters("run", "partitions")).isEmpty();
		assertThat(parameters("run", "partitions", "--months-ahead=6")).containsEntry("months-ahead", "6");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "partitions", "--months-ahead=0"))
			.withMessage("Invalid --months-ahead=0: expected a positive whole number");
		// an extra digit: a partition per month and table, created at once
		assertThat(parameters("run", "partitions", "--months-ahead=120")).containsEntry("months-ahead", "120");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "partitions", "--months-ahead=1200"))
			.withMessage("Invalid --months-ahead=1200: expected at most 120 (ten years of monthly partitions)");
	}

	@Test
	void archiveTakesNoHotMonthsAsThePropertyDoesButNotANegativeNumber() {
		// every month before the current one, as --before=<current month>; the cut-off
		// precondition still refuses the months the nightly jobs read
		assertThat(parameters("run", "archive", "--hot-months=0", "--scheduled-time=2026-03-02T05:00:00Z"))
			.containsEntry("hot-months", "0");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--hot-months=-1"))
			.withMessage("Invalid --hot-months=-1: expected a whole number, 0 or more");
	}

	/**
	 * {@code --hot-months=2147483647} put the cut-off in year -178954944: the run
	 * archived nothing and exited 0. A hot window is at most a century of months, and a
	 * {@code --before} not before any reading.
	 */
	@Test
	void aHotWindowOrABeforeMonthThatReachesBeforeAnyReadingIsRefused() {
		assertThat(parameters("run", "archive", "--hot-months=1200")).containsEntry("hot-months", "1200");
		for (String hotMonths : new String[] { "1201", "2147483647" }) {
			assertThatExceptionOfType(UsageException.class)
				.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--hot-months=" + hotMonths))
				.withMessage("Invalid --hot-months=%s: expected 0 to 1200 (100 years of complete months kept: a wider"
						+ " hot window reaches back before any reading, devices count time from 1970, and archives"
						+ " nothing); give the months to keep in PostgreSQL, or --before=YYYY-MM", hotMonths);
		}
		assertThat(parameters("run", "archive", "--before=1900-01")).containsEntry("before", "1900-01");
		for (String before : new String[] { "1899-12", "0000-01", "-2025-01" }) {
			assertThatExceptionOfType(UsageException.class)
				.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--before=" + before))
				.withMessage("Invalid --before=%s: it is before 1900-01, and no reading is that old (devices count time"
						+ " from 1970), so the run would archive nothing; check the year", before);
		}
		assertThat(HealthScoreApplication.run("run", "archive", "--hot-months=2147483647"))
			.isEqualTo(ExitCode.USAGE.code());
	}

	@Test
	void thePartitionsPropertyTakesAPositiveMonthsAheadAsTheOptionDoes() {
		assertThat(new PartitionsProperties(null).monthsAhead()).isEqualTo(3);
		assertThat(new PartitionsProperties(1).monthsAhead()).isEqualTo(1);
		assertThatIllegalArgumentException().isThrownBy(() -> new PartitionsProperties(0))
			.withMessageStartingWith("Invalid healthscore.partitions.months-ahead=0: expected a positive whole number");
		assertThatIllegalArgumentException().isThrownBy(() -> new PartitionsProperties(1200))
			.withMessage("Invalid healthscore.partitions.months-ahead=1200: expected at most 120 (ten years of"
					+ " monthly partitions)");
	}

	@Test
	void onlyArchiveAndReconcileRunsTakeDryRunAndOnlyArchivesIsAPreviewOutsideTheJob() {
		Map<String, String> archive = parameters("run", "archive", "--before=2025-01", "--rearchive=2024-11",
				"--allow-recent", "--dry-run");
		assertThat(archive).containsEntry("dry-run", "true").containsEntry("before", "2025-01");
		assertThat(ArchiveDryRun.requested("archive", archive)).isTrue();
		assertThat(ArchiveDryRun.requested("archive", parameters("run", "archive", "--dry-run=false"))).isFalse();
		assertThat(parameters("run", "archive", "--dry-run=false")).doesNotContainKey("dry-run");
		Map<String, String> reconcile = parameters("run", "reconcile", "--from=2025-01-01", "--to=2025-01-02",
				"--dry-run");
		assertThat(ArchiveDryRun.requested("reconcile", reconcile)).as("a parameter of the reconcile job").isFalse();
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--dry-run=yes"))
			.withMessage("Invalid --dry-run=yes: expected --dry-run alone, or =true or =false");
		for (String[] args : new String[][] { { "run", "recompute", "--days-back=1", "--dry-run" },
				{ "run", "restore", "--table=health_score", "--month=2025-01", "--dry-run" },
				{ "run", "partitions", "--dry-run" } }) {
			assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse(args))
				.withMessageStartingWith("Unknown option(s) [dry-run] for 'run %s'", args[1]);
		}
		// the bad usage of a dry run is the run's
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(
					() -> CommandLineParser.parse("run", "archive", "--dry-run", "--hot-months=13", "--before=2025-01"))
			.withMessage("Give either --before=YYYY-MM or --hot-months=N to 'run archive', not both");
	}

	@Test
	void theArchiveJobRefusesADryRunParameterSoThatNoWayInArchivesForReal() throws Exception {
		JobParametersValidator validator = ArchiveJobConfiguration.parametersValidator();
		Map<String, String> preview = new LinkedHashMap<>(
				parameters("run", "archive", "--before=2025-01", "--dry-run"));
		assertThatExceptionOfType(InvalidJobParametersException.class)
			.isThrownBy(() -> validator.validate(jobParameters(preview)))
			.withMessage("Cannot run the archive job with the dry-run parameter: a dry run is 'run archive --dry-run',"
					+ " which previews a run without starting the job; nothing was archived");
		preview.remove("dry-run");
		validator.validate(jobParameters(preview));
	}

	@Test
	void helpOnRunArchiveDocumentsTheDryRun() {
		assertThat(CommandLineParser.help("help", "run", "archive")).contains(
				"[--rearchive=YYYY-MM[,YYYY-MM...]] [--dry-run]",
				"--dry-run prints what the run would do to each table month, and its size, and changes nothing");
		assertThat(CommandLineParser.help("help", "run", "restore")).doesNotContain("--dry-run");
	}

	@Test
	void usageListsTheArchiveJobs() {
		assertThat(CommandLineParser.USAGE).contains("run archive [--before=YYYY-MM | --hot-months=N]",
				"run restore --table=health_reading|health_score --month=YYYY-MM", "run partitions [--months-ahead=N]");
	}

	private static JobParameters jobParameters(Map<String, String> parameters) {
		JobParametersBuilder builder = new JobParametersBuilder();
		parameters.forEach(builder::addString);
		return builder.addLong("run.id", 1L).toJobParameters();
	}

	private static Map<String, String> parameters(String... args) {
		Invocation invocation = CommandLineParser.parse(args);
		return CommandLineParser.jobOptions(invocation.job()).parameters(invocation);
	}

}
