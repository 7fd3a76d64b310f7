package dev.healthscore.jobs;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.boot.origin.SystemEnvironmentOrigin;
import org.springframework.core.env.CommandLinePropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Where the primary database URL in use was given (or its user name, or password): the
 * setting that gives {@code spring.datasource.url}, followed through placeholders such as
 * our application.properties'
 * {@code ${healthscore.datasource.primary-url:${HEALTHSCORE_DATASOURCE_PRIMARY_URL:}}} to
 * the setting that gives the value, with its source, so that a report tells the operator
 * what to correct rather than every place the URL could have come from. Only names and
 * sources are described, never a value.
 */
final class DatabaseUrlOrigin {

	private static final String NAME = "spring.datasource.url";

	/** The primary database's user name. */
	static final String USERNAME = "spring.datasource.username";

	/** The primary database's password. */
	static final String PASSWORD = "spring.datasource.password";

	/** The names a placeholder refers to, in the order it tries them. */
	private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^:}$]+)");

	/** Placeholders within placeholders deeper than this are not followed. */
	private static final int DEPTH = 8;

	private DatabaseUrlOrigin() {
	}

	/**
	 * The setting that gives the primary database URL and its source, such as
	 * {@code --spring.datasource.url on the command line} or {@code the environment
	 * variable HEALTHSCORE_DATASOURCE_PRIMARY_URL}.
	 * @param environment the application's environment
	 * @return the setting and its source, or {@code null} when no source gives the URL or
	 * the environment does not tell its sources
	 */
	static String describe(Environment environment) {
		return describe(environment, NAME);
	}

	/**
	 * The setting that gives a property, such as {@link #USERNAME}, and its source, such
	 * as {@code --spring.datasource.username on the command line} or {@code the
	 * environment variable HEALTHSCORE_DATASOURCE_USERNAME}; not its value, which may be
	 * a password.
	 * @param environment the application's environment
	 * @param name the property
	 * @return the setting and its source, or {@code null} when the property is empty (as
	 * application.properties gives the user name and password when no setting does), no
	 * source gives it, or the environment does not tell its sources
	 */
	static String describe(Environment environment, String name) {
		if (!(environment instanceof ConfigurableEnvironment configurable)) {
			return null;
		}
		String value = environment.getProperty(name);
		if (value == null || value.isEmpty()) {
			return null;
		}
		return describe(configurable, name, DEPTH);
	}

	private static String describe(ConfigurableEnvironment environment, String name, int depth) {
		PropertySource<?> source = firstGiving(environment, name);
		if (source == null) {
			return null;
		}
		Object value = source.getProperty(name);
		if (depth > 0 && value instanceof String string && string.contains("${")) {
			// given by a placeholder: where its first name that a source gives is given
			Matcher matcher = PLACEHOLDER.matcher(string);
			while (matcher.find()) {
				String referred = matcher.group(1).strip();
				if (firstGiving(environment, referred) != null) {
					return describe(environment, referred, depth - 1);
				}
			}
		}
		return described(source, name);
	}

	/**
	 * The source of highest precedence that gives a name, as the environment reads it.
	 */
	private static PropertySource<?> firstGiving(ConfigurableEnvironment environment, String name) {
		for (PropertySource<?> source : BlankDatabaseUrl.sources(environment)) {
			if (source.getProperty(name) != null) {
				return source;
			}
		}
		return null;
	}

	private static String described(PropertySource<?> source, String name) {
		Origin origin = OriginLookup.getOrigin(source, name);
		if (source instanceof CommandLinePropertySource) {
			return "--" + name + " on the command line";
		}
		if (source instanceof SystemEnvironmentPropertySource) {
			String variable = (origin instanceof SystemEnvironmentOrigin environmentOrigin)
					? environmentOrigin.getProperty()
					: name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
			return "the environment variable " + variable;
		}
		if (source.getName().equals(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME)) {
			return "the system property " + name;
		}
		return name + " in " + ((origin != null) ? origin : source.getName());
	}

}
