package dev.healthscore.jobs.cli;

import java.time.Duration;

import dev.healthscore.io.Durations;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code healthscore.guard.*}: how the guard that lets one run of a job at a time checks
 * that it still holds its lock. Checked as it is bound, so that a bad value is a usage
 * error (exit code 2) naming the setting, as every other setting's is.
 *
 * @param heartbeatInterval how often a held guard checks that its database session is
 * alive; zero for never
 */
@ConfigurationProperties("healthscore.guard")
public record GuardProperties(@DefaultValue("30s") Duration heartbeatInterval) {

	/**
	 * Checks the settings.
	 * @param heartbeatInterval how often a held guard checks its session
	 */
	public GuardProperties {
		if (heartbeatInterval.isNegative()) {
			throw new IllegalArgumentException("Invalid healthscore.guard.heartbeat-interval, must not be negative: "
					+ Durations.format(heartbeatInterval));
		}
	}

}
