package dev.healthscore.jobs.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.healthscore.schedules.JobStep;
import dev.healthscore.schedules.RunCommand;
import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.ScheduleParameters;
import dev.healthscore.schedules.Schedules;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command lines the schedules start the application with, as {@code infra/} passes
 * them to the ECS task ({@link RunCommand#of}, EventBridge Scheduler's placeholder
 * replaced by a time in the form it sends), are command lines this application accepts: a
 * schedule whose command the parser refused would exit 2 at every firing.
 */
class ScheduledCommandLinesTests {

	/** EventBridge Scheduler's placeholder of the scheduled time, as infra/ writes it. */
	private static final String PLACEHOLDER = "<aws.scheduler.scheduled-time>";

	/** A scheduled time as EventBridge Scheduler writes it: seconds, UTC, no fraction. */
	private static final String SCHEDULED = "2025-06-02T02:00:00Z";

	@Test
	void everyScheduleStartsACommandLineTheParserAccepts() {
		for (ScheduleDefinition schedule : Schedules.defaults().definitions()) {
			String[] args = RunCommand.of(schedule, PLACEHOLDER)
				.stream()
				.map((argument) -> argument.replace(PLACEHOLDER, SCHEDULED))
				.toArray(String[]::new);
			Invocation invocation = CommandLineParser.parse(args);
			assertThat(invocation.command()).as(schedule.name()).isEqualTo("run");
			assertThat(invocation.job()).as(schedule.name())
				.isEqualTo(schedule.isChain() ? schedule.name() : schedule.steps().get(0).job());
			assertThat(invocation.instant(ScheduleParameters.SCHEDULED_TIME, null)).as(schedule.name())
				.isEqualTo(Instant.parse(SCHEDULED));
		}
	}

	@Test
	void everyStepOfAChainIsACommandLineTheParserAccepts() {
		for (ScheduleDefinition schedule : Schedules.defaults().definitions()) {
			for (JobStep step : schedule.steps()) {
				List<String> args = new ArrayList<>(List.of("run", step.job()));
				args.addAll(step.arguments());
				args.add("--" + ScheduleParameters.SCHEDULED_TIME + "=" + SCHEDULED);
				Invocation invocation = CommandLineParser.parse(args.toArray(String[]::new));
				assertThat(invocation.job()).as(schedule.name()).isEqualTo(step.job());
				assertThat(invocation.parameters()).as(schedule.name()).isNotEmpty();
			}
		}
	}

}
