package dev.healthscore.schedules;

import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The catalogue of schedules: the one place the Quartz scheduler and the EventBridge
 * schedules are both generated from.
 *
 * @param definitions the schedules, with distinct names
 */
public record Schedules(List<ScheduleDefinition> definitions) {

	/** Name of the nightly chain: recompute, then reconcile. */
	public static final String NIGHTLY = "nightly";

	/** Name of the daily partition maintenance. */
	public static final String PARTITIONS_DAILY = "partitions-daily";

	/** Name of the monthly archive run. */
	public static final String ARCHIVE_MONTHLY = "archive-monthly";

	private static final ZoneId UTC = ZoneId.of("UTC");

	public Schedules {
		Objects.requireNonNull(definitions, "Schedule definitions are required");
		definitions = List.copyOf(definitions);
		Set<String> names = new HashSet<>();
		for (ScheduleDefinition definition : definitions) {
			if (!names.add(definition.name())) {
				throw new IllegalArgumentException("Duplicate schedule name '%s'".formatted(definition.name()));
			}
			if (definition.isChain() && JobNames.ALL.contains(definition.name())) {
				throw new IllegalArgumentException(
						"Invalid name '%s' of a chain, it must not be a job name or 'run %s' would be ambiguous"
							.formatted(definition.name(), definition.name()));
			}
		}
	}

	/**
	 * Returns the production catalogue.
	 *
	 * <p>
	 * Everything runs on UTC clocks. The nightly chain fires at 02:00 UTC. User time
	 * zones run from UTC−12 to UTC+14, so at 02:00 UTC on day T the local day that ended
	 * last is T−2 for users west of UTC−2 and T−1 for everyone else: {@code days-back=2}
	 * covers both, and the jobs skip, per user, the dates of the window that have not
	 * ended yet (the next night's window holds them). Reconcile then re-checks the last
	 * 30 days up to the last one that has ended in every zone (T−2), so a late reading
	 * from those days is corrected together with the heart baselines of the 28 days after
	 * it. Partitions are kept 3 months ahead, daily; the archive runs on the 2nd of each
	 * month at 05:00 UTC, after that night's chain, and keeps 13 months in PostgreSQL.
	 * @return the catalogue
	 */
	public static Schedules defaults() {
		return new Schedules(List.of(
				new ScheduleDefinition(NIGHTLY, "0 0 2 * * ?", UTC, MisfirePolicy.FIRE_ONCE_NOW,
						List.of(JobStep.of(JobNames.RECOMPUTE, ScheduleParameters.DAYS_BACK, "2"),
								JobStep.of(JobNames.RECONCILE, ScheduleParameters.DAYS_BACK, "30"))),
				new ScheduleDefinition(PARTITIONS_DAILY, "0 30 1 * * ?", UTC, MisfirePolicy.FIRE_ONCE_NOW,
						List.of(JobStep.of(JobNames.PARTITIONS, ScheduleParameters.MONTHS_AHEAD, "3"))),
				new ScheduleDefinition(ARCHIVE_MONTHLY, "0 0 5 2 * ?", UTC, MisfirePolicy.FIRE_ONCE_NOW,
						List.of(JobStep.of(JobNames.ARCHIVE, ScheduleParameters.HOT_MONTHS, "13")))));
	}

	/**
	 * Finds a schedule by name.
	 * @param name the schedule's name
	 * @return the schedule, or empty
	 */
	public Optional<ScheduleDefinition> find(String name) {
		return this.definitions.stream().filter((definition) -> definition.name().equals(name)).findFirst();
	}

	/**
	 * Returns a schedule by name.
	 * @param name the schedule's name
	 * @return the schedule
	 * @throws IllegalArgumentException when there is none of that name
	 */
	public ScheduleDefinition named(String name) {
		return find(name).orElseThrow(() -> new IllegalArgumentException(
				"Unknown schedule '%s', expected one of %s".formatted(name, names())));
	}

	/**
	 * Returns the names of the schedules, in catalogue order.
	 * @return the names
	 */
	public List<String> names() {
		return this.definitions.stream().map(ScheduleDefinition::name).toList();
	}

}
