package dev.healthscore.schedules;

import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One schedule: when it fires, in which time zone, what a missed fire does, and the jobs
 * it runs.
 *
 * <p>
 * A schedule with several steps is a chain: each step starts only after the one before it
 * completed, and a step that does not complete ends the chain. The chain is one scheduled
 * run on both schedulers (one Quartz job, one ECS task), so the order cannot be broken by
 * clocks or by two schedules drifting apart.
 *
 * @param name the schedule's name, also its Quartz key and EventBridge schedule name
 * @param cron when it fires, in the canonical form of {@link CronExpressions}
 * @param timeZone the zone the cron expression is read in: a region of the time zone
 * database by its IANA name ({@code UTC}, {@code Europe/Paris}), not an offset
 * @param misfirePolicy what a missed fire time does
 * @param steps the jobs it runs, in order
 */
public record ScheduleDefinition(String name, String cron, ZoneId timeZone, MisfirePolicy misfirePolicy,
		List<JobStep> steps) {

	private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

	public ScheduleDefinition {
		Objects.requireNonNull(name, "A schedule name is required");
		if (!NAME.matcher(name).matches()) {
			throw new IllegalArgumentException(
					"Invalid schedule name '%s', expected kebab-case of at most 64 characters".formatted(name));
		}
		CronExpressions.requireCanonical(cron);
		Objects.requireNonNull(timeZone, () -> "A time zone is required for schedule '%s'".formatted(name));
		// EventBridge Scheduler takes the IANA names of the time zone database only and
		// refuses any other id when the stack is deployed. An offset (+02:00) or an
		// offset
		// with a prefix (UTC+01:00, GMT+1, UT) is a ZoneId but no such name; Quartz would
		// read UTC+01:00 and UT as GMT through java.util.TimeZone, without a word.
		if (!ZoneId.getAvailableZoneIds().contains(timeZone.getId())) {
			throw new IllegalArgumentException(
					("Invalid time zone '%s' of schedule '%s', expected an IANA time zone name such as UTC or"
							+ " Europe/Paris, not an offset")
						.formatted(timeZone.getId(), name));
		}
		Objects.requireNonNull(misfirePolicy, () -> "A misfire policy is required for schedule '%s'".formatted(name));
		Objects.requireNonNull(steps, () -> "Steps are required for schedule '%s'".formatted(name));
		if (steps.isEmpty()) {
			throw new IllegalArgumentException("Schedule '%s' has no steps, expected at least one job".formatted(name));
		}
		steps = List.copyOf(steps);
		if (steps.stream().map(JobStep::job).distinct().count() != steps.size()) {
			throw new IllegalArgumentException("Schedule '%s' runs a job twice: %s".formatted(name, steps));
		}
	}

	/**
	 * Returns whether this schedule runs more than one job.
	 * @return {@code true} for a chain
	 */
	public boolean isChain() {
		return this.steps.size() > 1;
	}

	/**
	 * Returns the step that must complete before the given job starts.
	 * @param job a job of this schedule
	 * @return the step before it, empty for the first step
	 */
	public Optional<JobStep> after(String job) {
		for (int i = 0; i < this.steps.size(); i++) {
			if (this.steps.get(i).job().equals(job)) {
				return (i > 0) ? Optional.of(this.steps.get(i - 1)) : Optional.empty();
			}
		}
		throw new IllegalArgumentException("Schedule '%s' does not run job '%s'".formatted(this.name, job));
	}

	/**
	 * Returns a one-line description, for logs and scheduler consoles.
	 * @return for example {@code nightly at '0 0 2 * * ?' UTC: recompute --days-back=2,
	 * then reconcile --days-back=30}
	 */
	public String summary() {
		return "%s at '%s' %s: %s".formatted(this.name, this.cron, this.timeZone,
				this.steps.stream().map(JobStep::toString).collect(Collectors.joining(", then ")));
	}

}
