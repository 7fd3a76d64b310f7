package dev.healthscore.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Refuses a database URL that is given but empty, such as
 * {@code HEALTHSCORE_DATASOURCE_PRIMARY_URL=$DB_URL} with {@code DB_URL} unset. Without
 * this check an empty URL reads as "no database configured": the command would start a
 * new, empty embedded PostgreSQL, run on it, exit 0 and delete it, and a nightly schedule
 * so misconfigured would report success every night without scoring anything.
 */
final class BlankDatabaseUrl {

	/**
	 * The names under which the primary's URL is read: Spring's, ours (which an
	 * environment variable {@code HEALTHSCORE_DATASOURCE_PRIMARY_URL} matches too), and
	 * the variable's own name as written on a command line.
	 */
	static final List<String> NAMES = List.of("spring.datasource.url", "healthscore.datasource.primary-url",
			"HEALTHSCORE_DATASOURCE_PRIMARY_URL");

	private BlankDatabaseUrl() {
	}

	/**
	 * Checks every source of an environment for an empty database URL.
	 * @param environment the application's environment, with all its sources
	 * @throws BlankDatabaseUrlException when one gives the URL and leaves it empty
	 */
	static void check(ConfigurableEnvironment environment) {
		List<String> blank = new ArrayList<>();
		for (PropertySource<?> source : sources(environment)) {
			for (String name : NAMES) {
				Object value = source.getProperty(name);
				// values are as given: our application.properties' placeholder is not
				// blank
				if (value != null && value.toString().isBlank()) {
					String shown = (source instanceof SystemEnvironmentPropertySource)
							? name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') : name;
					String described = shown + " (" + source.getName() + ")";
					if (!blank.contains(described)) {
						blank.add(described);
					}
				}
			}
		}
		if (!blank.isEmpty()) {
			throw new BlankDatabaseUrlException(blank);
		}
	}

	/**
	 * The sources of an environment in their order of precedence, without Spring Boot's
	 * {@code configurationProperties} view over all the others, which would report every
	 * setting a second time.
	 * @param environment the application's environment
	 * @return its own sources
	 */
	static List<PropertySource<?>> sources(ConfigurableEnvironment environment) {
		return environment.getPropertySources()
			.stream()
			.filter((source) -> !source.getName().equals("configurationProperties"))
			.toList();
	}

	/**
	 * A database URL given empty: a usage error, reported before anything starts.
	 */
	static final class BlankDatabaseUrlException extends RuntimeException {

		private final List<String> settings;

		BlankDatabaseUrlException(List<String> settings) {
			super("Database URL set but empty: " + String.join("; ", settings));
			this.settings = settings;
		}

		/** The settings given empty, each with its source. */
		List<String> settings() {
			return this.settings;
		}

	}

}
