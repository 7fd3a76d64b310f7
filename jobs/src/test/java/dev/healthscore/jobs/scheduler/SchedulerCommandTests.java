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

}
