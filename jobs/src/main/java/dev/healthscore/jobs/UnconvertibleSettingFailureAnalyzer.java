package dev.healthscore.jobs;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.convert.ConversionFailedException;
import org.springframework.util.unit.DataSize;

/**
 * Reports a setting whose value cannot be converted to its type (a chunk size
 * {@code abc}, a timeout {@code soon}): which setting, the value, from which source, and
 * what it takes, in place of Spring Boot's generic advice to update the configuration. A
 * value of the right type that its class refuses (a chunk size of 0) is its class's to
 * report, with its own message.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class UnconvertibleSettingFailureAnalyzer extends AbstractFailureAnalyzer<BindException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
		ConfigurationProperty property = cause.getProperty();
		Class<?> type = cause.getTarget().getType().resolve();
		if (property == null || type == null || findCause(cause, ConversionFailedException.class) == null) {
			return null;
		}
		String setting = cause.getName().toString();
		String expected = expected(type);
		String origin = (property.getOrigin() != null) ? " (" + property.getOrigin() + ")" : "";
		return new FailureAnalysis(
				String.format(Locale.ROOT, "Invalid %s=%s: expected %s%s.", setting, property.getValue(), expected,
						origin),
				String
					.format(Locale.ROOT,
							"Give %s %s, or remove it for its default (the settings are listed in the README),"
									+ " then run the same command again: nothing has started.",
							setting, expected),
				cause);
	}

	/** What a value of the type is, in words: {@code a whole number}. */
	static String expected(Class<?> type) {
		if (type == int.class || type == Integer.class || type == long.class || type == Long.class
				|| type == short.class || type == Short.class) {
			return "a whole number";
		}
		if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
			return "a number, such as 0.5";
		}
		if (type == boolean.class || type == Boolean.class) {
			return "true or false";
		}
		if (type == Duration.class) {
			return "a duration with its unit, such as 500ms, 30s, 10m, 2h or 1d";
		}
		if (type == DataSize.class) {
			return "a size with its unit, such as 512KB, 64MB or 1GB";
		}
		if (type.isEnum()) {
			return "one of " + Arrays.stream(type.getEnumConstants())
				.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
				.collect(Collectors.joining(", "));
		}
		return "a value of type " + type.getSimpleName();
	}

}
