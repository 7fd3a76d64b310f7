package dev.healthscore.schedules;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RunCommandTests {

	private final Schedules schedules = Schedules.defaults();

	@Test
	void singleJobScheduleRunsTheJobsOwnCommand() {
		assertThat(RunCommand.of(this.schedules.named("partitions-daily"), "<time>")).containsExactly("run",
				"partitions", "--months-ahead=3", "--scheduled-time=<time>");
	}

	@Test
	void chainRunsByItsName() {
		assertThat(RunCommand.of(this.schedules.named("nightly"), "<time>")).containsExactly("run", "nightly",
				"--scheduled-time=<time>");
	}

	@Test
	void parsesEveryScheduleBackToItsSteps() {
		for (ScheduleDefinition schedule : this.schedules.definitions()) {
			RunCommand parsed = RunCommand.parse(RunCommand.of(schedule, "2025-01-31T02:00:00Z"), this.schedules);
			assertThat(parsed.steps()).isEqualTo(schedule.steps());
			assertThat(parsed.scheduledTime()).contains(Instant.parse("2025-01-31T02:00:00Z"));
		}
	}

	@Test
	void parsesManualRuns() {
		RunCommand parsed = RunCommand.parse(List.of("run", "recompute", "--from=2025-01-01", "--to=2025-01-31"),
				this.schedules);
		assertThat(parsed).isEqualTo(new RunCommand(
				List.of(JobStep.of("recompute", "from", "2025-01-01", "to", "2025-01-31")), Optional.empty()));
	}

	@Test
	void rejectsMalformedCommands() {
		assertThatIllegalArgumentException().isThrownBy(() -> RunCommand.parse(List.of("scheduler"), this.schedules))
			.withMessage("Invalid command, expected 'run <job-or-chain> [--name=value ...]': [scheduler]");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RunCommand.parse(List.of("run", "recompute", "days-back=2"), this.schedules))
			.withMessage("Invalid argument 'days-back=2', expected --name=value: [run, recompute, days-back=2]");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RunCommand.parse(List.of("run", "archive-monthly"), this.schedules))
			.withMessage(
					"Unknown job or chain 'archive-monthly', expected one of [recompute, reconcile, archive, restore, partitions] or [nightly]");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RunCommand.parse(List.of("run", "nightly", "--days-back=3"), this.schedules))
			.withMessage(
					"Cannot pass [days-back] to chain 'nightly', its steps take their parameters from the catalogue");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> RunCommand.parse(List.of("run", "nightly", "--scheduled-time=yesterday"), this.schedules))
			.withMessage(
					"Invalid scheduled-time 'yesterday', expected an ISO-8601 instant such as 2025-01-31T02:00:00Z");
	}

}
