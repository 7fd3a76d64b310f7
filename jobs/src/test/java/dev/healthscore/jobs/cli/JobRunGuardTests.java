package dev.healthscore.jobs.cli;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link JobRunGuard}'s settings; its locks are tested against a real
 * PostgreSQL in {@link JobRunGuardIntegrationTests}.
 */
class JobRunGuardTests {

	@Test
	void aNegativeHeartbeatIsRefusedInTheFormOfTheSetting() {
		assertThatIllegalArgumentException().isThrownBy(() -> new JobRunGuard(null, Duration.ofSeconds(-30)))
			.withMessage("Invalid healthscore.guard.heartbeat-interval, must not be negative: -30s");
	}

}
