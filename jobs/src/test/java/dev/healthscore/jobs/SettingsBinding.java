package dev.healthscore.jobs;

import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Binds a properties class from settings as Spring Boot does at start-up, for the tests
 * of what each class accepts and how it refuses a value.
 */
public final class SettingsBinding {

	private SettingsBinding() {
	}

	/**
	 * Binds a properties class.
	 * @param prefix the settings' prefix, such as {@code healthscore.archive}
	 * @param type the properties class
	 * @param settings the settings, by full name
	 * @return the bound properties
	 */
	public static <T> T bind(String prefix, Class<T> type, Map<String, String> settings) {
		return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate(prefix, type);
	}

	/**
	 * Asserts that binding fails, its root cause saying {@code message}.
	 * @param prefix the settings' prefix
	 * @param type the properties class
	 * @param settings the settings, by full name
	 * @param message the message of the refusal
	 */
	public static void assertRefused(String prefix, Class<?> type, Map<String, String> settings, String message) {
		assertThatException().isThrownBy(() -> bind(prefix, type, settings))
			.as("%s", settings)
			.havingRootCause()
			.withMessage(message);
	}

}
