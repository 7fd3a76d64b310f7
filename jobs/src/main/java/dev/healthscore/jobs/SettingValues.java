package dev.healthscore.jobs;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Binds every class of {@code healthscore.*} settings from the environment before
 * anything starts, so that a value its class cannot take (a lag policy {@code fial}, a
 * chunk size of 0, a negative duration) is a usage error at once: not after the embedded
 * database, its replica and the connection pools have started, which is when Spring would
 * bind the class that refuses it. The application binds them again, as always, from the
 * same environment.
 */
final class SettingValues {

	private SettingValues() {
	}

	/**
	 * Binds each class of {@link UnknownSettings#PROPERTIES_CLASSES}.
	 * @param environment the application's environment, with all its sources
	 * @throws org.springframework.boot.context.properties.bind.BindException for the
	 * first value that does not bind, as Spring's own binding would throw it
	 */
	static void check(ConfigurableEnvironment environment) {
		Binder binder = Binder.get(environment);
		for (Class<? extends Record> type : UnknownSettings.PROPERTIES_CLASSES) {
			ConfigurationProperties properties = AnnotationUtils.findAnnotation(type, ConfigurationProperties.class);
			if (properties == null) {
				throw new IllegalStateException(type.getName() + " is not annotated @ConfigurationProperties");
			}
			binder.bindOrCreate(properties.prefix(), Bindable.of(type));
		}
	}

}
