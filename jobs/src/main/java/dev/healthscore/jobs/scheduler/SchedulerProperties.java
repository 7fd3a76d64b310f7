package dev.healthscore.jobs.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.Schedules;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the long-running scheduler ({@code healthscore.scheduler.*}). A value it
 * cannot take is refused where it is bound, which the application does before anything
 * starts (the embedded database included).
 *
 * @param healthPort the port of the container health endpoint ({@code GET /health}); 0
 * for any free port
 * @param cronOverrides per schedule name, a Quartz cron that replaces the catalogue's
 * (for a test environment; the EventBridge schedules keep the catalogue's)
 */
@ConfigurationProperties("healthscore.scheduler")
public record SchedulerProperties(@DefaultValue("8080") int healthPort, Map<String, String> cronOverrides) {

	public SchedulerProperties {
		cronOverrides = (cronOverrides != null) ? Map.copyOf(cronOverrides) : Map.of();
		if (healthPort < 0 || healthPort > 65535) {
			throw new IllegalArgumentException(
					"Invalid healthscore.scheduler.health-port=%d: expected a port from 0 to 65535 (0 for any free port)"
						.formatted(healthPort));
		}
		catalogue(cronOverrides);
	}

	/**
	 * The catalogue's schedules, with the overridden crons.
	 * @return the schedules the scheduler registers
	 */
	public Schedules catalogue() {
		return catalogue(this.cronOverrides);
	}

	private static Schedules catalogue(Map<String, String> cronOverrides) {
		List<String> names = Schedules.defaults().names();
		for (String name : cronOverrides.keySet()) {
			if (!names.contains(name)) {
				throw new IllegalArgumentException(
						"Unknown schedule '%s' in healthscore.scheduler.cron-overrides: expected one of %s"
							.formatted(name, names));
			}
		}
		List<ScheduleDefinition> definitions = new ArrayList<>();
		for (ScheduleDefinition definition : Schedules.defaults().definitions()) {
			String cron = cronOverrides.get(definition.name());
			if (cron == null) {
				definitions.add(definition);
				continue;
			}
			try {
				definitions.add(new ScheduleDefinition(definition.name(), cron, definition.timeZone(),
						definition.misfirePolicy(), definition.steps()));
			}
			catch (IllegalArgumentException ex) {
				// not chained: the failure analysis would print the cause's message,
				// which does not name the setting
				throw new IllegalArgumentException("Invalid healthscore.scheduler.cron-overrides.%s=%s: %s"
					.formatted(definition.name(), cron, ex.getMessage()));
			}
		}
		return new Schedules(definitions);
	}

}
