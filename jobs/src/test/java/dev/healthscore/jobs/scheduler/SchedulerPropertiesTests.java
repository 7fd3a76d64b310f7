package dev.healthscore.jobs.scheduler;

import java.util.Map;

import dev.healthscore.schedules.Schedules;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SchedulerPropertiesTests {

	@Test
	void aCronOverrideOfAScheduleThatDoesNotExistIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new SchedulerProperties(0, Map.of("nighlty", "0 * * * * ?")))
			.withMessage("Unknown schedule 'nighlty' in healthscore.scheduler.cron-overrides: expected one of"
					+ " [nightly, partitions-daily, archive-monthly]");
	}

	@Test
	void aCronOverrideThatIsNotAValidCronIsRefusedNamingTheSetting() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new SchedulerProperties(0, Map.of("nightly", "0 0 1 * *")))
			.withMessage("Invalid healthscore.scheduler.cron-overrides.nightly=0 0 1 * *: Invalid cron expression,"
					+ " expected 6 fields (seconds minutes hours day-of-month month day-of-week) but got 5: 0 0 1 * *");
	}

	@Test
	void aHealthPortThatIsNoPortIsRefused() {
		for (int port : new int[] { -1, 65536 }) {
			assertThatIllegalArgumentException().isThrownBy(() -> new SchedulerProperties(port, Map.of()))
				.withMessage("Invalid healthscore.scheduler.health-port=" + port
						+ ": expected a port from 0 to 65535 (0 for any free port)");
		}
	}

	@Test
	void theCatalogueTakesTheOverriddenCronsAndKeepsTheOthers() {
		SchedulerProperties properties = new SchedulerProperties(0, Map.of("nightly", "0 15 * * * ?"));
		assertThat(properties.catalogue().named("nightly").cron()).isEqualTo("0 15 * * * ?");
		assertThat(properties.catalogue().named("archive-monthly").cron())
			.isEqualTo(Schedules.defaults().named("archive-monthly").cron());
	}

}
