package dev.healthscore.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import org.postgresql.Driver;

import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Refuses a primary database URL that the PostgreSQL driver does not take
 * ({@code postgres://…}, a missing {@code jdbc:}, {@code jdbc:mysql:…}, a port that is
 * not a number) before anything starts: otherwise the connection pool or Flyway fails the
 * start with some fifty lines of nested bean creation exceptions and exit code 1, the
 * code of a failed job, for what is a setting to correct.
 */
final class MalformedDatabaseUrl {

	private MalformedDatabaseUrl() {
	}

	/**
	 * Checks every source of an environment for a database URL the driver does not take.
	 * @param environment the application's environment, with all its sources
	 * @throws MalformedDatabaseUrlException when one gives such a URL
	 */
	static void check(ConfigurableEnvironment environment) {
		List<String> malformed = new ArrayList<>();
		for (PropertySource<?> source : BlankDatabaseUrl.sources(environment)) {
			for (String name : BlankDatabaseUrl.NAMES) {
				Object value = source.getProperty(name);
				// a placeholder (our application.properties' line) names the setting that
				// gives the URL, which is checked where it is given; a blank one is
				// BlankDatabaseUrl's
				if (value == null || value.toString().isBlank() || value.toString().contains("${")) {
					continue;
				}
				String url = value.toString().strip();
				if (Driver.parseURL(url, new Properties()) == null) {
					String shown = (source instanceof SystemEnvironmentPropertySource)
							? name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') : name;
					String described = shown + " (" + source.getName() + "): " + masked(url);
					if (!malformed.contains(described)) {
						malformed.add(described);
					}
				}
			}
		}
		if (!malformed.isEmpty()) {
			throw new MalformedDatabaseUrlException(malformed);
		}
	}

	/**
	 * The URL with its passwords masked: a password parameter's value, and the one of a
	 * {@code user:password@} before the host, as a libpq URI ({@code postgres://…}, the
	 * form most often given by mistake) carries it.
	 */
	static String masked(String url) {
		return url.replaceAll("(?i)(password=)[^&]*", "$1***").replaceFirst("(//[^/?#@:]*:)[^/?#@]*@", "$1***@");
	}

	/**
	 * A database URL the PostgreSQL driver does not take: a usage error, reported before
	 * anything starts.
	 */
	static final class MalformedDatabaseUrlException extends RuntimeException {

		private final List<String> settings;

		MalformedDatabaseUrlException(List<String> settings) {
			super("Database URL not a PostgreSQL JDBC URL: " + String.join("; ", settings));
			this.settings = settings;
		}

		/** The settings that give such a URL, each with its source and the URL masked. */
		List<String> settings() {
			return this.settings;
		}

	}

}
