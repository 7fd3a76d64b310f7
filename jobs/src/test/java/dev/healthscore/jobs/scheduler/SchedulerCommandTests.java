package dev.healthscore.jobs.scheduler;

import java.util.Map;

import dev.healthscore.jobs.cli.UsageException;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

class SchedulerCommandTests {

	@Test
	void aCronOverrideOfAScheduleThatDoesNotExistIsAUsageErrorBeforeAnythingIsScheduled() {
		Scheduler scheduler = mock(Scheduler.class);
		SchedulerCommand command = new SchedulerCommand(scheduler, null, null,
				new SchedulerProperties(0, Map.of("nighlty", "0 * * * * ?")));
		assertThatExceptionOfType(UsageException.class).isThrownBy(command::run)
			.withMessage("Unknown schedule 'nighlty' in healthscore.scheduler.cron-overrides: expected one of"
					+ " [nightly, partitions-daily, archive-monthly]");
		verifyNoInteractions(scheduler);
	}

	@Test
	void aCronOverrideThatIsNotAValidCronIsAUsageErrorNamingTheSettingBeforeAnythingIsScheduled() {
		Scheduler scheduler = mock(Scheduler.class);
		SchedulerCommand command = new SchedulerCommand(scheduler, null, null,
				new SchedulerProperties(0, Map.of("nightly", "0 0 1 * *")));
		assertThatExceptionOfType(UsageException.class).isThrownBy(command::run)
			.withMessage("Invalid healthscore.scheduler.cron-overrides.nightly=0 0 1 * *: Invalid cron expression,"
					+ " expected 6 fields (seconds minutes hours day-of-month month day-of-week) but got 5: 0 0 1 * *");
		verifyNoInteractions(scheduler);
	}

	@Test
	void aHealthPortThatIsNoPortIsAUsageErrorBeforeAnythingIsScheduled() {
		for (int port : new int[] { -1, 65536 }) {
			Scheduler scheduler = mock(Scheduler.class);
			SchedulerCommand command = new SchedulerCommand(scheduler, null, null,
					new SchedulerProperties(port, Map.of()));
			assertThatExceptionOfType(UsageException.class).isThrownBy(command::run)
				.withMessage("Invalid healthscore.scheduler.health-port=" + port
						+ ": expected a port from 0 to 65535 (0 for any free port)");
			verifyNoInteractions(scheduler);
		}
	}

}
