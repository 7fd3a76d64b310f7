package dev.healthscore.jobs.recompute;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.healthscore.jobs.cli.CommandLineParser;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.UsageException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

class RecomputeOptionsTests {

	private final RecomputeOptions options = new RecomputeOptions();

	@Test
	void daysBackResolvesAgainstTheScheduledTimeAndKeepsItAsTheAsOfParameter() {
		var parameters = this.options.parameters(
				CommandLineParser.parse("run", "recompute", "--days-back=2", "--scheduled-time=2025-03-10T02:00:00Z"));
		assertThat(parameters).containsEntry("from", "2025-03-08")
			.containsEntry("to", "2025-03-09")
			.containsEntry("as-of", "2025-03-10T02:00:00Z");
	}

	@Test
	void anAbsoluteRangeHasNoAsOf() {
		var parameters = this.options
			.parameters(CommandLineParser.parse("run", "recompute", "--from=2025-03-01", "--to=2025-03-02"));
		assertThat(parameters).containsOnlyKeys("from", "to");
	}

	@Test
	void aToThatNoTimeZoneHasReachedIsAUsageErrorAndCreatesNoPartitions() {
		LocalDate latest = LocalDate.now(ZoneOffset.ofHours(14));
		assertThat(CommandLineParser.parse("run", "recompute", "--from=2025-03-01", "--to=" + latest)).isNotNull();
		LocalDate typo = latest.plusYears(180);
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from=2025-03-01", "--to=" + typo))
			.withMessageStartingWith("Invalid --to=%s: no time zone has reached that day yet".formatted(typo));
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("reprocess", "--from=2025-03-01", "--to=" + typo))
			.withMessageStartingWith("Invalid --to=%s".formatted(typo));
	}

	/**
	 * The job creates a score partition for every month of its range: a mistyped year in
	 * --from (1,201 partitions in 18 s for a century) or an extra digit in --days-back (a
	 * FAILED run that every rerun fails again) must not start.
	 */
	@Test
	void aRangeOfMoreThanTenYearsIsAUsageErrorAndCreatesNoPartitions() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--from=1925-01-01", "--to=2025-01-01"))
			.withMessage("Invalid range --from=1925-01-01 --to=2025-01-01: it spans more than 10 years (1,201 months,"
					+ " each a partition to create); check the years, or run a longer backfill in parts of up to"
					+ " 10 years");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("reprocess", "--from=1025-01-01", "--to=2025-01-01"))
			.withMessageStartingWith("Invalid range --from=1025-01-01 --to=2025-01-01: it spans more than 10 years");
		assertThat(CommandLineParser.parse("run", "recompute", "--from=2015-01-01", "--to=2025-01-01")).isNotNull();
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--days-back=2000000000"))
			.withMessage("Invalid --days-back=2000000000: expected at most 3653 (10 years); run a longer backfill"
					+ " with --from/--to in parts");
		assertThat(CommandLineParser.parse("run", "recompute", "--days-back=3653")).isNotNull();
	}

	/**
	 * A scheduled time is when a schedule fired: a mistyped year ahead would score days
	 * to come, one past what dates hold exited 1 without a word.
	 */
	@Test
	void aScheduledTimeWhoseWindowNoTimeZoneHasReachedIsAUsageError() {
		// the command line refuses a time after the clock first; the job's own check
		// stands behind it
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--days-back=3",
					"--scheduled-time=2999-01-01T02:00:00Z"))
			.withMessageStartingWith("Invalid --scheduled-time=2999-01-01T02:00:00Z: it is after this machine's clock");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> this.options.parameters(new Invocation("run", "recompute",
					Map.of("days-back", "3", "scheduled-time", "2999-01-01T02:00:00Z"))))
			.withMessageStartingWith("Invalid --scheduled-time=2999-01-01T02:00:00Z: --days-back=3 of it ends on"
					+ " 2998-12-31, a day no time zone has reached yet");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--days-back=3",
					"--scheduled-time=+1000000000-01-01T00:00:00Z"))
			.withMessage("Invalid --scheduled-time=+1000000000-01-01T00:00:00Z: expected an ISO-8601 instant such as"
					+ " 2025-01-31T02:00:00Z");
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "nightly", "--scheduled-time=-1000000000-01-01T00:00:00Z"))
			.withMessageStartingWith("Invalid --scheduled-time=-1000000000-01-01T00:00:00Z");
		// a scheduled time that has just passed, as a schedule gives it
		assertThat(CommandLineParser.parse("run", "recompute", "--days-back=3",
				"--scheduled-time=" + java.time.Instant.now().plusSeconds(60)))
			.isNotNull();
	}

	@Test
	void daysBackAndAnAbsoluteRangeCannotBeCombined() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--days-back=2", "--from=2025-03-01"))
			.withMessage("Cannot combine --days-back with --from/--to: give one or the other");
	}

	@Test
	void aScheduledTimeBesideAnAbsoluteRangeIsAUsageErrorNotIgnored() {
		// it would resolve nothing: the run would score the given days as if it were not
		// there
		// whatever the time: one after the clock too is refused for what it is beside,
		// not
		// told to be the time a schedule fired for
		String later = Instant.now().plus(Duration.ofDays(365)).truncatedTo(ChronoUnit.SECONDS).toString();
		for (String job : List.of("recompute", "reconcile")) {
			for (String time : List.of("2025-03-10T02:00:00Z", later)) {
				assertThatExceptionOfType(UsageException.class).as(job + " " + time)
					.isThrownBy(() -> CommandLineParser.parse("run", job, "--from=2025-03-01", "--to=2025-03-02",
							"--scheduled-time=" + time))
					.withMessage("Cannot combine --scheduled-time with --from/--to for 'run " + job
							+ "': the scheduled time resolves --days-back only, and a range of given days does not"
							+ " move with it. Give --days-back=N with it, or leave it out");
			}
		}
	}

	@Test
	void aBadScheduledTimeSaysWhatIsExpected() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(
					() -> CommandLineParser.parse("run", "recompute", "--days-back=2", "--scheduled-time=yesterday"))
			.withMessage(
					"Invalid --scheduled-time=yesterday: expected an ISO-8601 instant such as 2025-01-31T02:00:00Z");
	}

	@Test
	void theNightlyChainIsAKnownRunTarget() {
		assertThat(CommandLineParser.parse("run", "nightly", "--scheduled-time=2025-03-10T02:00:00Z").job())
			.isEqualTo("nightly");
	}

	@Test
	void aScheduledTimeAfterTheClockIsRefusedForEveryJobAndChainButASkewedClockIsTolerated() {
		Instant now = Instant.now();
		String future = now.plus(Duration.ofDays(365)).truncatedTo(ChronoUnit.SECONDS).toString();
		for (String[] command : List.of(new String[] { "run", "recompute", "--days-back=2" },
				new String[] { "run", "reconcile", "--days-back=30" }, new String[] { "run", "nightly" },
				new String[] { "run", "partitions" })) {
			List<String> args = new ArrayList<>(List.of(command));
			args.add("--scheduled-time=" + future);
			assertThatExceptionOfType(UsageException.class).as(args.toString())
				.isThrownBy(() -> CommandLineParser.parse(args.toArray(String[]::new)))
				.withMessageStartingWith(
						("Invalid --scheduled-time=%s: it is after this machine's clock").formatted(future))
				.withMessageEndingWith("Give that time, or leave the option out to use the clock");
		}
		String skewed = now.plus(Duration.ofMinutes(2)).toString();
		assertThatNoException().isThrownBy(
				() -> CommandLineParser.parse("run", "recompute", "--days-back=2", "--scheduled-time=" + skewed));
	}

}
