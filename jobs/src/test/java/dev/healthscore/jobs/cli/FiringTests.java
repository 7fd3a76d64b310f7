package dev.healthscore.jobs.cli;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Firing}: what tells two deliveries of one firing from runs that are
 * not; its lock is tested against a real PostgreSQL in
 * {@link DuplicateFiringIntegrationTests}.
 */
class FiringTests {

	@Test
	void aRunWithoutAScheduledTimeIsNoFiring() {
		assertThat(Firing.of(CommandLineParser.parse("run", "nightly"))).isNull();
		assertThat(Firing.of(CommandLineParser.parse("run", "partitions", "--months-ahead=3"))).isNull();
	}

	@Test
	void aFiringIsItsCommandLineWithoutSettingsAndItsTimeWhateverTheOrderOfItsOptions() {
		Firing firing = Firing.of(CommandLineParser.parse("run", "partitions", "--scheduled-time=2025-03-02T01:30:00Z",
				"--months-ahead=3", "--healthscore.guard.heartbeat-interval=10s"));
		assertThat(firing)
			.isEqualTo(new Firing("run partitions --months-ahead=3", Instant.parse("2025-03-02T01:30:00Z")));
		assertThat(firing).hasToString("run partitions --months-ahead=3 --scheduled-time=2025-03-02T01:30:00Z");
		assertThat(Firing.of(CommandLineParser.parse("run", "partitions", "--months-ahead=3",
				"--scheduled-time=2025-03-02T01:30:00.000Z")))
			.isEqualTo(firing);
		assertThat(FiringGuard.key(firing)).isEqualTo(FiringGuard.key(new Firing(firing.command(), firing.time())));
	}

	@Test
	void anotherTimeOrAnotherCommandLineIsAnotherFiringWithAnotherLock() {
		Firing nightly = Firing.of(CommandLineParser.parse("run", "nightly", "--scheduled-time=2025-03-02T02:00:00Z"));
		Firing otherTime = Firing
			.of(CommandLineParser.parse("run", "nightly", "--scheduled-time=2025-03-03T02:00:00Z"));
		Firing otherCommand = Firing
			.of(CommandLineParser.parse("run", "recompute", "--days-back=2", "--scheduled-time=2025-03-02T02:00:00Z"));
		assertThat(otherTime).isNotEqualTo(nightly);
		assertThat(otherCommand).isNotEqualTo(nightly);
		assertThat(FiringGuard.key(otherTime)).isNotEqualTo(FiringGuard.key(nightly));
		assertThat(FiringGuard.key(otherCommand)).isNotEqualTo(FiringGuard.key(nightly));
	}

}
