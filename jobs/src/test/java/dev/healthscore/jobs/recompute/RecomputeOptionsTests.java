package dev.healthscore.jobs.recompute;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import dev.healthscore.jobs.cli.CommandLineParser;
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

	@Test
	void daysBackAndAnAbsoluteRangeCannotBeCombined() {
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> CommandLineParser.parse("run", "recompute", "--days-back=2", "--from=2025-03-01"))
			.withMessage("Cannot combine --days-back with --from/--to: give one or the other");
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
