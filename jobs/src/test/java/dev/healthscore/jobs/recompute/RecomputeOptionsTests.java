package dev.healthscore.jobs.recompute;

import java.time.LocalDate;
import java.time.ZoneOffset;

import dev.healthscore.jobs.cli.CommandLineParser;
import dev.healthscore.jobs.cli.UsageException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

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

}
