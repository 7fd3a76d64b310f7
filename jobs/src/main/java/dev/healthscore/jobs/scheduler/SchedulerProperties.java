package dev.healthscore.jobs.scheduler;

import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the long-running scheduler ({@code healthscore.scheduler.*}).
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
	}

}
