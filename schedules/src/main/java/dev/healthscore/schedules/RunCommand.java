package dev.healthscore.schedules;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The application's {@code run} command line for a schedule: what the ECS task runs, and
 * what the application parses back.
 *
 * <p>
 * A schedule of one step runs that job's own command,
 * {@code run <job> --name=value ... --scheduled-time=<instant>}. A chain runs
 * {@code run <schedule> --scheduled-time=<instant>}: the application looks the chain up
 * in {@link Schedules} and runs its steps through {@link ScheduleRunner}, so the order of
 * a chain is written only in the catalogue.
 *
 * @param steps the jobs to run, in order
 * @param scheduledTime the instant the schedule fired for; empty for a manual run
 */
public record RunCommand(List<JobStep> steps, Optional<Instant> scheduledTime) {

	/** The command word that runs a job or a chain. */
	public static final String RUN = "run";

	public RunCommand {
		steps = List.copyOf(steps);
		Objects.requireNonNull(scheduledTime, "Use Optional.empty() for a run without scheduled time");
	}

	/**
	 * Returns the command line that runs a schedule.
	 * @param schedule the schedule
	 * @param scheduledTime the scheduled time as the scheduler writes it: an ISO-8601
	 * instant, or a placeholder the scheduler replaces
	 * @return the arguments after {@code java -jar healthscore.jar}
	 */
	public static List<String> of(ScheduleDefinition schedule, String scheduledTime) {
		List<String> command = new ArrayList<>();
		command.add(RUN);
		if (schedule.isChain()) {
			command.add(schedule.name());
		}
		else {
			command.add(schedule.steps().get(0).job());
			command.addAll(schedule.steps().get(0).arguments());
		}
		command.add("--" + ScheduleParameters.SCHEDULED_TIME + "=" + scheduledTime);
		return List.copyOf(command);
	}

	/**
	 * Parses a {@code run} command line.
	 * @param arguments the arguments after {@code java -jar healthscore.jar}
	 * @param schedules the catalogue that chains are looked up in
	 * @return the steps to run and the scheduled time
	 */
	public static RunCommand parse(List<String> arguments, Schedules schedules) {
		if (arguments.size() < 2 || !RUN.equals(arguments.get(0))) {
			throw new IllegalArgumentException(
					"Invalid command, expected 'run <job-or-chain> [--name=value ...]': %s".formatted(arguments));
		}
		String target = arguments.get(1);
		Map<String, String> parameters = new LinkedHashMap<>();
		for (String argument : arguments.subList(2, arguments.size())) {
			int equals = argument.indexOf('=');
			if (!argument.startsWith("--") || equals < 3) {
				throw new IllegalArgumentException(
						"Invalid argument '%s', expected --name=value: %s".formatted(argument, arguments));
			}
			parameters.put(argument.substring(2, equals), argument.substring(equals + 1));
		}
		Optional<Instant> scheduledTime = Optional.ofNullable(parameters.remove(ScheduleParameters.SCHEDULED_TIME))
			.map(RunCommand::instant);
		if (JobNames.ALL.contains(target)) {
			return new RunCommand(List.of(new JobStep(target, parameters)), scheduledTime);
		}
		ScheduleDefinition chain = schedules.find(target)
			.filter(ScheduleDefinition::isChain)
			.orElseThrow(() -> new IllegalArgumentException("Unknown job or chain '%s', expected one of %s or %s"
				.formatted(target, JobNames.ALL, chainNames(schedules))));
		if (!parameters.isEmpty()) {
			throw new IllegalArgumentException(
					"Cannot pass %s to chain '%s', its steps take their parameters from the catalogue"
						.formatted(parameters.keySet(), target));
		}
		return new RunCommand(chain.steps(), scheduledTime);
	}

	private static Instant instant(String value) {
		try {
			return Instant.parse(value);
		}
		catch (DateTimeParseException ex) {
			throw new IllegalArgumentException(
					"Invalid %s '%s', expected an ISO-8601 instant such as 2025-01-31T02:00:00Z"
						.formatted(ScheduleParameters.SCHEDULED_TIME, value),
					ex);
		}
	}

	private static List<String> chainNames(Schedules schedules) {
		return schedules.definitions()
			.stream()
			.filter(ScheduleDefinition::isChain)
			.map(ScheduleDefinition::name)
			.toList();
	}

}
