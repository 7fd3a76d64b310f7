package dev.healthscore.schedules;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A request to run one job for a schedule.
 *
 * @param schedule the name of the schedule that asks for the run
 * @param step the job and its parameters
 * @param scheduledTime the instant the schedule fired for, which relative parameters are
 * resolved against
 */
public record JobLaunch(String schedule, JobStep step, Instant scheduledTime) {

	public JobLaunch {
		Objects.requireNonNull(schedule, "A schedule name is required");
		Objects.requireNonNull(step, "A step is required");
		Objects.requireNonNull(scheduledTime, "A scheduled time is required");
	}

	/**
	 * Returns the job's name.
	 * @return the job
	 */
	public String job() {
		return this.step.job();
	}

	/**
	 * Returns the arguments to pass after {@code run <job>}, the scheduled time included.
	 * @return the step's {@code --name=value} arguments and {@code --scheduled-time=...}
	 */
	public List<String> arguments() {
		List<String> arguments = new ArrayList<>(this.step.arguments());
		arguments.add("--" + ScheduleParameters.SCHEDULED_TIME + "=" + this.scheduledTime);
		return List.copyOf(arguments);
	}

}
