package dev.healthscore.jobs;

import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Environments for the start-up checks' tests: the given sources only, without this
 * machine's environment variables and system properties.
 */
final class TestEnvironments {

	private TestEnvironments() {
	}

	/**
	 * An environment of the given sources, in their order.
	 * @param sources the property sources
	 * @return the environment
	 */
	static StandardEnvironment of(PropertySource<?>... sources) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		for (PropertySource<?> source : sources) {
			environment.getPropertySources().addLast(source);
		}
		return environment;
	}

}
