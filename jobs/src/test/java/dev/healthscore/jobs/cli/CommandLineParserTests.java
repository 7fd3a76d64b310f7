package dev.healthscore.jobs.cli;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

import dev.healthscore.jobs.HealthScoreApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

@ExtendWith(OutputCaptureExtension.class)
class CommandLineParserTests {

	@Test
	void runParsesTheJobAndItsOptions() {
		Invocation invocation = CommandLineParser.parse("run", "recompute", "--from=2025-01-01", "--to=2025-01-31",
				"--users=42,7,42");
		assertThat(invocation.command()).isEqualTo("run");
		assertThat(invocation.job()).isEqualTo("recompute");
		assertThat(invocation.date("from")).isEqualTo(LocalDate.of(2025, 1, 1));
		assertThat(invocation.userIds("users")).containsExactly(7, 42);
	}

	@Test
	void theJobParametersAreMadeOnceAsTheCommandLineIsParsed() {
		Invocation run = CommandLineParser.parse("run", "recompute", "--from=2025-01-01", "--to=2025-01-31",
				"--users=42,7");
		assertThat(run.parameters()).isEqualTo(CommandLineParser.jobOptions("recompute").parameters(run));
		assertThat(run.parameters()).containsEntry("from", "2025-01-01").containsEntry("to", "2025-01-31");
		assertThat(run.notes()).isEmpty();
		Invocation reprocess = CommandLineParser.parse("reprocess", "--from=2025-01-01", "--to=2025-01-02",
				"--dry-run");
		assertThat(reprocess.parameters()).containsExactly(Map.entry("from", "2025-01-01"),
				Map.entry("to", "2025-01-02"));
		assertThat(CommandLineParser.parse("status").parameters()).isEmpty();
		assertThat(CommandLineParser.parse("run", "nightly").parameters()).isEmpty();
	}

	@Test
	void noArgumentsIsAUsageErrorNamingTheCommands() {
		assertThatExceptionOfType(UsageException.class).isThrownBy(CommandLineParser::parse)
			.withMessage(
					"Missing command: expected one of [run, demo, generate, scheduler, status, restart, stop, reprocess],"
							+ " or help");
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("stauts"))
			.withMessage("Unknown command 'stauts': expected one of [run, demo, generate, scheduler, status, restart,"
					+ " stop, reprocess], or help");
	}

	@Test
	void anUnknownJobIsAUsageErrorNamingTheJobs() {
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("run", "recompote"))
			.withMessage(
					"Unknown job 'recompote': expected one of [recompute, reconcile, archive, restore, partitions], or a chain: [nightly]");
	}

	@Test
	void aBadDateSaysWhatIsExpected() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from=2025-13-01", "--to=2025-12-01"))
			.withMessage("Invalid --from=2025-13-01: expected a date as YYYY-MM-DD");
	}

	@Test
	void aMissingDateNamesTheOptionAndTheCommand() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from=2025-01-01"))
			.withMessage("Missing --to=YYYY-MM-DD for 'run recompute'");
	}

	@Test
	void aMissingRangeNamesBothWaysOfGivingIt() {
		// it named --from alone, as if --days-back (the nightly's form) were not one
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("run", "recompute"))
			.withMessage("Missing the days for 'run recompute': give --from=YYYY-MM-DD --to=YYYY-MM-DD, or"
					+ " --days-back=N");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "reconcile", "--full"))
			.withMessage("Missing the days for 'run reconcile': give --from=YYYY-MM-DD --to=YYYY-MM-DD, or"
					+ " --days-back=N");
		// reprocess takes no --days-back
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("reprocess", "--dry-run"))
			.withMessage("Missing --from=YYYY-MM-DD for 'reprocess'");
	}

	@Test
	void unknownOptionsAreRejectedButSpringPropertiesPassThrough() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--form=2025-01-01",
					"--spring.datasource.url=jdbc:postgresql://db/x"))
			.withMessage(
					"Unknown option(s) [form] for 'run recompute'; expected: [--from, --to, --users, --shard, --days-back, --scheduled-time]");
		assertThat(CommandLineParser
			.parse("run", "recompute", "--from=2025-01-01", "--to=2025-01-02",
					"--spring.datasource.url=jdbc:postgresql://db/x")
			.options()).containsKey("spring.datasource.url");
	}

	/**
	 * As a schedule step's parameters are read from the benchmarks' command lines too.
	 */
	@Test
	void aFlagIsTrueAndAValueMayHoldAnEqualsSign() {
		assertThat(CommandLineParser
			.parse("run", "reconcile", "--from=2025-04-02", "--to=2025-06-30", "--full", "--report=reports/full.json")
			.options())
			.isEqualTo(Map.of("from", "2025-04-02", "to", "2025-06-30", "full", "true", "report", "reports/full.json"));
		assertThat(
				CommandLineParser.parse("run", "reconcile", "--from=2025-04-02", "--to=2025-06-30", "--report=a=b.json")
					.options())
			.containsEntry("report", "a=b.json");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "reconcile", "--"));
	}

	@Test
	void aPositionalArgumentAfterTheJobIsRejected() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from=2025-01-01", "2025-01-01"))
			.withMessage("Unexpected argument '2025-01-01': options are written --name=value");
	}

	/**
	 * A day before 1900 is a mistyped year: {@code run recompute} of year 1 read the
	 * baseline's days of year 0, which PostgreSQL refuses, and a negative year made a
	 * partition without a name; both failed the run (exit code 1) after it started.
	 */
	@Test
	void aRangeStartingBefore1900IsRefusedAsAMistypedYear() {
		for (String[] args : new String[][] { { "run", "recompute", "--from=0001-01-01", "--to=0001-01-02" },
				{ "run", "reconcile", "--from=0001-01-01", "--to=0001-01-02" },
				{ "reprocess", "--from=0001-01-01", "--to=0001-01-02" } }) {
			assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse(args))
				.withMessage("Invalid --from=0001-01-01: it is before 1900-01-01, and no reading is that old (devices"
						+ " count time from 1970); check the year");
		}
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from=-5000-01-01", "--to=-5000-01-02"))
			.withMessageStartingWith("Invalid --from=-5000-01-01: it is before 1900-01-01");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "reconcile", "--from=1899-12-31", "--to=1900-01-01"))
			.withMessageStartingWith("Invalid --from=1899-12-31: it is before 1900-01-01");
		// the earliest day taken, well before a reset device clock's 1970-01-01
		assertThat(CommandLineParser.parse("run", "recompute", "--from=1900-01-01", "--to=1900-01-02").parameters())
			.containsEntry("from", "1900-01-01");
	}

	/**
	 * A scheduled time before 1970 is a mistyped year: {@code run partitions} created the
	 * partitions of year 1, and {@code run recompute --days-back} read dates of year 0
	 * and failed (exit code 1).
	 */
	@Test
	void aScheduledTimeBefore1970IsRefusedAsAMistypedYear() {
		for (String[] args : new String[][] { { "run", "partitions", "--scheduled-time=0001-01-01T00:00:00Z" },
				{ "run", "recompute", "--days-back=1", "--scheduled-time=0001-01-01T00:00:00Z" },
				{ "run", "reconcile", "--days-back=1", "--scheduled-time=0001-01-01T00:00:00Z" },
				{ "run", "archive", "--scheduled-time=0001-01-01T00:00:00Z" },
				{ "run", "nightly", "--scheduled-time=0001-01-01T00:00:00Z" } }) {
			assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse(args))
				.withMessage("Invalid --scheduled-time=0001-01-01T00:00:00Z: it is before 1970-01-01T00:00:00Z, and no"
						+ " schedule fired then; give the time the schedule fired, or leave the option out to use the"
						+ " clock");
		}
		assertThat(CommandLineParser.parse("run", "partitions", "--scheduled-time=1970-01-01T00:00:00Z").parameters())
			.containsEntry("scheduled-time", "1970-01-01T00:00:00Z");
	}

	/**
	 * {@code generate --end=0001-01-01} failed the application's start with a stack trace
	 * (exit code 1); {@code --days=100000} created 274 years of partitions; an
	 * {@code --end} in the future wrote readings recorded, and arrived, in the future.
	 */
	@Test
	void theDaysOfAGeneratedDataSetAreCheckedAsARangeOfTheJobs() {
		LocalDate latest = LocalDate.now(ZoneOffset.ofHours(14));
		for (String command : new String[] { "generate", "demo" }) {
			assertThatExceptionOfType(UsageException.class)
				.isThrownBy(() -> CommandLineParser.parse(command, "--users=1", "--days=3654"))
				.withMessage(
						"Invalid --days=3654: expected at most 3653 (10 years of days, a partition for each month)");
			assertThatExceptionOfType(UsageException.class)
				.isThrownBy(() -> CommandLineParser.parse(command, "--users=1", "--days=1", "--end=0001-01-01"))
				.withMessage("Invalid --end=0001-01-01: it is before 1900-01-01, and no reading is that old (devices"
						+ " count time from 1970); check the year");
			assertThatExceptionOfType(UsageException.class)
				.isThrownBy(
						() -> CommandLineParser.parse(command, "--users=1", "--days=1", "--end=" + latest.plusDays(1)))
				.withMessage(
						"Invalid --end=%s: no time zone has reached that day yet (the latest local date anywhere,"
								+ " UTC+14, is %s); give an --end up to it, or leave it out for yesterday (UTC)",
						latest.plusDays(1), latest);
			CommandLineParser.parse(command, "--users=1", "--days=3653", "--end=" + latest);
		}
	}

	/**
	 * {@code --users=2000000000} and {@code --threads=100000} were taken: the generator
	 * set out to write two billion users (about 80 billion readings a day), numbered the
	 * unknown users after {@code --users=2147483647} from -2147483648 on, and started a
	 * thread per user, up to a hundred thousand, each waiting for one of the pool's 8
	 * connections.
	 */
	@Test
	void theUsersAndThreadsOfAGeneratedDataSetAreBounded(CapturedOutput output) {
		String users = "Invalid --users=%s: expected 1 to 1,000,000,000 (the generator counts user ids 1 to N, and"
				+ " N/200 more for the readings of unknown users, in an int; a billion users already make about 40"
				+ " billion readings a day)";
		String threads = "Invalid --threads=%s: expected 1 to 64 (each thread writes its share of the users over a"
				+ " database connection of its own: threads beyond the connection pool, 8 connections on the"
				+ " embedded database, only wait for one)";
		for (String command : new String[] { "generate", "demo" }) {
			for (String value : new String[] { "1000000001", "2000000000", "2147483647", "99999999999" }) {
				assertThatExceptionOfType(UsageException.class)
					.isThrownBy(() -> CommandLineParser.parse(command, "--users=" + value, "--days=1"))
					.withMessage(users, value);
			}
			for (String value : new String[] { "65", "100000", "99999999999" }) {
				assertThatExceptionOfType(UsageException.class)
					.isThrownBy(() -> CommandLineParser.parse(command, "--users=1", "--days=1", "--threads=" + value))
					.withMessage(threads, value);
			}
			CommandLineParser.parse(command, "--users=1000000000", "--days=1", "--threads=64");
			assertThatExceptionOfType(UsageException.class)
				.isThrownBy(() -> CommandLineParser.parse(command, "--users=1", "--days=1", "--threads=0"))
				.withMessage("Invalid --threads=0: expected a positive whole number");
		}
		// refused as the command line is read, before the application starts
		assertThat(HealthScoreApplication.run("generate", "--users=2000000000", "--days=1"))
			.isEqualTo(ExitCode.USAGE.code());
		assertThat(output.getErr()).contains(users.formatted("2000000000"));
		assertThat(HealthScoreApplication.run("demo", "--threads=100000")).isEqualTo(ExitCode.USAGE.code());
		assertThat(output.getErr()).contains(threads.formatted("100000"));
	}

	/** It said both were missing when only one was. */
	@Test
	void generateNeedsUsersAndDaysAndNamesOnlyWhatIsMissing() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("generate", "--users=10"))
			.withMessage("Missing --days=D for 'generate'");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("generate", "--days=10"))
			.withMessage("Missing --users=N for 'generate'");
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("generate"))
			.withMessage("Missing --users=N and --days=D for 'generate'");
	}

	/**
	 * An option that needs a value, given alone, was reported with the value the parser
	 * gives flags, as if the operator had written {@code --days-back=true}.
	 */
	@Test
	void anOptionThatNeedsAValueGivenAloneSaysItsValueIsMissing() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--days-back"))
			.withMessage("Missing the value of --days-back: write it as --days-back=N");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from", "--to=2025-01-02"))
			.withMessage("Missing the value of --from: write it as --from=YYYY-MM-DD");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "nightly", "--scheduled-time"))
			.withMessage("Missing the value of --scheduled-time: write it as --scheduled-time=2025-01-31T02:00:00Z");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--days-back=1", "--users"))
			.withMessage("Missing the value of --users: write it as --users=ID,ID,...");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--days-back=1", "--shard"))
			.withMessage("Missing the value of --shard: write it as --shard=i/n");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "restore", "--table=health_reading", "--month"))
			.withMessage("Missing the value of --month: write it as --month=YYYY-MM");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--rearchive"))
			.withMessage("Missing the value of --rearchive: write it as --rearchive=YYYY-MM[,YYYY-MM...]");
	}

	/**
	 * The parser gave an option given alone the value {@code true}, and the options that
	 * need a value refused {@code true} itself: {@code --rearchive=true}, written out,
	 * was told its value was missing. Only an option given alone is; a value written out
	 * is the option's to judge, and a flag takes either form.
	 */
	@Test
	void aValueWrittenOutIsNeverTakenForAMissingOne() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--rearchive=true"))
			.withMessage("Invalid --rearchive=true: expected one or more restored months as YYYY-MM, comma-separated"
					+ " (such as --rearchive=2024-11,2024-12)");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--days-back=true"))
			.withMessage("Invalid --days-back=true: expected a positive whole number");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--days-back=1", "--shard=true"))
			.withMessage("Invalid --shard=true: expected i/n with 0 <= i < n, e.g. --shard=0/3 for the first of three");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "restore", "--table=health_reading", "--month=true"))
			.withMessage("Invalid --month=true: expected a month as YYYY-MM");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "nightly", "--scheduled-time=true"))
			.withMessage("Invalid --scheduled-time=true: expected an ISO-8601 instant such as 2025-01-31T02:00:00Z");
		// given alone, they still miss their value
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "archive", "--hot-months"))
			.withMessage("Missing the value of --hot-months: write it as --hot-months=N");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "restore", "--table", "--month=2020-01"))
			.withMessage("Missing the value of --table: write it as --table=health_reading|health_score");
		// flags: alone, =true or =false, as before
		assertThat(CommandLineParser.parse("run", "archive", "--dry-run", "--allow-recent=true").parameters())
			.containsEntry("dry-run", "true")
			.containsEntry("allow-recent", "true");
		assertThat(CommandLineParser.parse("run", "archive", "--dry-run=false", "--allow-recent=false").parameters())
			.isEmpty();
		assertThat(CommandLineParser.parse("reprocess", "--from=2025-01-01", "--to=2025-01-02", "--dry-run")
			.flag("dry-run")).isTrue();
		assertThat(CommandLineParser.parse("reprocess", "--from=2025-01-01", "--to=2025-01-02", "--dry-run=false")
			.flag("dry-run")).isFalse();
	}

	/** It said options are written --name=value, about a second execution id. */
	@Test
	void restartAndStopTakeOneExecutionId() {
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("restart", "1", "2"))
			.withMessage("'restart' takes one execution id, got '1' and '2': restart them one at a time");
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("stop", "7", "8"))
			.withMessage("'stop' takes one execution id, got '7' and '8': stop them one at a time");
	}

	@Test
	void aNonPositiveCountIsAUsageError() {
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("demo", "--users=0"))
			.withMessage("Invalid --users=0: expected a positive whole number");
	}

	@Test
	void aCountTooLargeForTheOptionSaysItsLimitNotThatItIsNotPositive() {
		// 'expected a positive whole number' of a positive whole number
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("status", "--limit=99999999999"))
			.withMessage("Invalid --limit=99999999999: expected a positive whole number, at most 2147483647");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("status", "--limit=-99999999999"))
			.withMessage("Invalid --limit=-99999999999: expected a positive whole number");
	}

	/**
	 * {@code --hot-months=3000000000} was refused "at most 2147483647", the largest int,
	 * where --hot-months takes at most 1200 and says why: a value too large for an int is
	 * refused as any value above the option's own bound, with its message.
	 */
	@Test
	void aCountTooLargeForAnIntIsRefusedWithTheOptionsOwnBound() {
		String[][] commandLines = { { "run", "archive", "--hot-months=" }, { "run", "partitions", "--months-ahead=" },
				{ "run", "recompute", "--days-back=" }, { "run", "reconcile", "--days-back=" },
				{ "generate", "--users=1", "--days=" }, { "demo", "--days=" } };
		for (String[] commandLine : commandLines) {
			String[] tooLarge = commandLine.clone();
			tooLarge[tooLarge.length - 1] += "5000";
			String bound = messageOf(tooLarge).replace("=5000:", "=%s:");
			assertThat(bound).contains("=%s: expected").doesNotContain("2147483647");
			for (String value : new String[] { "2147483648", "3000000000", "99999999999999999999", "+3_000_000_000" }) {
				String[] overflowing = commandLine.clone();
				overflowing[overflowing.length - 1] += value;
				assertThat(messageOf(overflowing)).isEqualTo(bound.formatted(value));
			}
		}
		assertThat(messageOf("run", "archive", "--hot-months=3000000000"))
			.isEqualTo("Invalid --hot-months=3000000000: expected 0 to 1200 (100 years of complete months kept: a"
					+ " wider hot window reaches back before any reading, devices count time from 1970, and archives"
					+ " nothing); give the months to keep in PostgreSQL, or --before=YYYY-MM");
	}

	private static String messageOf(String... args) {
		try {
			CommandLineParser.parse(args);
		}
		catch (UsageException ex) {
			return ex.getMessage();
		}
		throw new AssertionError("Not refused: " + String.join(" ", args));
	}

	@Test
	void nonNumericUsersAreAUsageError() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from=2025-01-01", "--to=2025-01-02",
					"--users=7,x"))
			.withMessage("Invalid --users=7,x: expected one or more user ids separated by commas, e.g."
					+ " --users=17,42; leave the option out to take every user");
	}

	/**
	 * {@code --users=$IDS} with the variable unset: not a run over every user.
	 */
	@Test
	void anEmptyUserListOrAnEmptyIdInItIsAUsageErrorNotEveryUser() {
		for (String users : new String[] { "--users=", "--users= ", "--users=1,,2", "--users=1," }) {
			assertThatExceptionOfType(UsageException.class).as(users)
				.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from=2025-01-01", "--to=2025-01-02",
						users))
				.withMessageStartingWith("Invalid --users=")
				.withMessageContaining("leave the option out to take every user");
			assertThatExceptionOfType(UsageException.class).as(users)
				.isThrownBy(() -> CommandLineParser.parse("reprocess", "--from=2025-01-01", "--to=2025-01-02",
						"--dry-run", users));
		}
		assertThat(CommandLineParser.parse("run", "recompute", "--from=2025-01-01", "--to=2025-01-02", "--users= 7 , 3")
			.userIds("users")).containsExactly(3, 7);
	}

	@Test
	void restartNeedsANumericExecutionId() {
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("restart"))
			.withMessage("Missing execution id for 'restart': expected 'restart <execution-id>' (see 'status')");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("stop", "--spring.datasource.url=jdbc:postgresql://db/x"))
			.withMessage("Missing execution id for 'stop': expected 'stop <execution-id>' (see 'status')");
		assertThat(CommandLineParser.parse("stop", "42").options()).containsEntry(CommandLineParser.EXECUTION_ID, "42");
	}

	/**
	 * An id that is there but wrong was reported as missing; one past a long was
	 * reported, once the application had started, as an option the operator never wrote.
	 */
	@Test
	void aWrongExecutionIdIsNamedAsInvalidBeforeAnythingStarts() {
		for (String id : new String[] { "last", "-1", "0", "99999999999999999999", "1.5" }) {
			assertThatExceptionOfType(UsageException.class).as(id)
				.isThrownBy(() -> CommandLineParser.parse("restart", id))
				.withMessage("Invalid execution id '%s' for 'restart': expected the number of an execution, as"
						+ " 'status' lists them", id);
		}
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("stop", "x7"))
			.withMessageStartingWith("Invalid execution id 'x7' for 'stop'");
	}

	@Test
	void aMissingJobNamesTheChainsToo() {
		assertThatExceptionOfType(UsageException.class).isThrownBy(() -> CommandLineParser.parse("run"))
			.withMessage(
					"Missing job for 'run': expected one of [recompute, reconcile, archive, restore, partitions], or a chain: [nightly]");
	}

	/**
	 * {@code --name value} instead of {@code --name=value}: the message says how to write
	 * it, and does not echo the value, which may be a password.
	 */
	@Test
	void aValueAfterASpaceIsAUsageErrorThatShowsTheFormAndNotTheValue() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--spring.datasource.password", "hunter2",
					"--from=2025-01-01", "--to=2025-01-02"))
			.withMessage("Unexpected argument after --spring.datasource.password: options take their value after"
					+ " '=', as --spring.datasource.password=VALUE")
			.withMessageNotContaining("hunter2");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from", "2025-01-01", "--to=2025-01-02"))
			.withMessage("Unexpected argument after --from: options take their value after '=', as --from=VALUE");
	}

	@Test
	void restartAndStopRejectUnknownOptionsButPassSpringPropertiesThrough() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("restart", "42", "--from=2025-01-01"))
			.withMessage("Unknown option(s) [from] for 'restart': it takes none, only settings (--spring.*,"
					+ " --healthscore.*, --logging.*)");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("stop", "42", "--force"))
			.withMessage("Unknown option(s) [force] for 'stop': it takes none, only settings (--spring.*,"
					+ " --healthscore.*, --logging.*)");
		// 'expected: []' before
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("scheduler", "--port=8081"))
			.withMessage("Unknown option(s) [port] for 'scheduler': it takes none, only settings (--spring.*,"
					+ " --healthscore.*, --logging.*)");
		assertThat(CommandLineParser.parse("restart", "42", "--spring.datasource.url=jdbc:postgresql://db/x").options())
			.containsEntry(CommandLineParser.EXECUTION_ID, "42");
	}

	@Test
	void reprocessReadsDryRunAsAFlagLikeReconcile() {
		assertThat(CommandLineParser.parse("reprocess", "--from=2025-01-01", "--to=2025-01-02", "--dry-run")
			.flag("dry-run")).isTrue();
		assertThat(CommandLineParser.parse("reprocess", "--from=2025-01-01", "--to=2025-01-02", "--dry-run=false")
			.flag("dry-run")).isFalse();
		assertThat(CommandLineParser.parse("reprocess", "--from=2025-01-01", "--to=2025-01-02").flag("dry-run"))
			.isFalse();
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(
					() -> CommandLineParser.parse("reprocess", "--from=2025-01-01", "--to=2025-01-02", "--dry-run=no"))
			.withMessage("Invalid --dry-run=no: expected --dry-run alone, or =true or =false");
	}

	@Test
	void aShardOutsideItsCountIsAUsageError() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from=2025-01-01", "--to=2025-01-02",
					"--shard=3/3"))
			.withMessage("Invalid --shard=3/3: expected i/n with 0 <= i < n, e.g. --shard=0/3 for the first of three");
	}

}
