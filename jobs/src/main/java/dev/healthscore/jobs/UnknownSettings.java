package dev.healthscore.jobs;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.healthscore.jobs.archive.ArchiveProperties;
import dev.healthscore.jobs.cli.GuardProperties;
import dev.healthscore.jobs.metrics.MetricsProperties;
import dev.healthscore.jobs.partitions.PartitionsProperties;
import dev.healthscore.jobs.reconcile.ReconcileProperties;
import dev.healthscore.jobs.replica.ReplicaProperties;
import dev.healthscore.jobs.scheduler.SchedulerProperties;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Refuses {@code healthscore.*} settings that nothing in the application reads, from
 * every source: the command line, system properties, environment variables and properties
 * files. Spring Boot ignores such a setting, so a misspelt one
 * ({@code --healthscore.reconcile.ingest-margn=1h},
 * {@code HEALTHSCORE_ARCHIVE_GRACE_PERIDO}) would leave the default in force without a
 * word. Names are compared the way relaxed binding matches them: ignoring case, and
 * {@code -} and {@code _} within a name's parts, so
 * {@code healthscore.reconcile.chunkSize} and {@code healthscore.reconcile.chunk_size}
 * are both {@code healthscore.reconcile.chunk-size}, and {@code [key]} is {@code .key};
 * the dots between parts count ({@code healthscore.reconcilechunk-size} binds nothing),
 * except in environment variables, whose {@code _} stand for dots and dashes alike
 * ({@code HEALTHSCORE_RECONCILE_CHUNK_SIZE}).
 */
public final class UnknownSettings {

	/** Every class that binds {@code healthscore.*} settings. */
	static final List<Class<? extends Record>> PROPERTIES_CLASSES = List.of(HealthScoreProperties.class,
			ArchiveProperties.class, GuardProperties.class, MetricsProperties.class, PartitionsProperties.class,
			ReconcileProperties.class, ReplicaProperties.class, SchedulerProperties.class);

	/**
	 * Settings read outside those classes: with {@code @Value}, or as the placeholders of
	 * other properties in {@code application.properties} (the ECS task's variables).
	 */
	static final List<String> OTHER_SETTINGS = List.of("healthscore.datasource.primary-url",
			"healthscore.datasource.replica-url", "healthscore.datasource.username", "healthscore.datasource.password");

	private static final String PREFIX = "healthscore";

	/** The known settings, as documented (kebab-case); a map's ends in {@code .*}. */
	private static final Set<String> KNOWN = known();

	/** The known settings as names are compared. */
	private static final List<Setting> SETTINGS = KNOWN.stream().map(Setting::of).toList();

	private UnknownSettings() {
	}

	/**
	 * Checks the settings of an environment.
	 * @param environment the application's environment, with all its sources
	 * @throws UnknownSettingsException when a {@code healthscore.*} setting is not known
	 */
	public static void check(ConfigurableEnvironment environment) {
		Set<String> unknown = new LinkedHashSet<>();
		for (PropertySource<?> source : environment.getPropertySources()) {
			if (source instanceof EnumerablePropertySource<?> enumerable) {
				boolean variables = source instanceof SystemEnvironmentPropertySource;
				for (String name : enumerable.getPropertyNames()) {
					if (isOurs(name) && !isKnown(name, variables)) {
						unknown.add(describe(name, source.getName()));
					}
				}
			}
		}
		if (!unknown.isEmpty()) {
			throw new UnknownSettingsException(List.copyOf(unknown));
		}
	}

	/** The known settings, as documented: a map's name ends in {@code .*}. */
	static Set<String> knownSettings() {
		return KNOWN;
	}

	private static boolean isOurs(String name) {
		String lower = name.toLowerCase(Locale.ROOT);
		return lower.startsWith(PREFIX) && lower.length() > PREFIX.length()
				&& ".-_[".indexOf(lower.charAt(PREFIX.length())) >= 0;
	}

	private static boolean isKnown(String name, boolean variable) {
		if (variable) {
			String normalized = normalize(name);
			return SETTINGS.stream().anyMatch((setting) -> setting.matches(normalized));
		}
		String dotted = normalizeParts(name);
		return SETTINGS.stream().anyMatch((setting) -> setting.matchesParts(dotted));
	}

	private static String describe(String name, String source) {
		String where = name + " (" + source + ")";
		String closest = closest(name);
		return (closest != null) ? where + ": did you mean " + closest + "?" : where;
	}

	/**
	 * The known setting nearest to a name, if it is near enough to be its misspelling.
	 */
	private static String closest(String name) {
		String normalized = normalize(name);
		Setting best = null;
		int bestDistance = Integer.MAX_VALUE;
		for (Setting setting : SETTINGS) {
			// a map's keys are free: only as much of the name as the map's own is
			// compared
			String compared = setting.map()
					? normalized.substring(0, Math.min(normalized.length(), setting.normalized().length()))
					: normalized;
			int distance = distance(compared, setting.normalized());
			if (distance < bestDistance) {
				bestDistance = distance;
				best = setting;
			}
		}
		return (bestDistance <= 3) ? best.shown() : null;
	}

	/** A name without case and separators, as environment variables are compared. */
	private static String normalize(String name) {
		return normalizeParts(name).replace(".", "");
	}

	/**
	 * A name as relaxed binding compares it outside environment variables: lower case,
	 * without {@code -} and {@code _}, {@code [key]} as {@code .key}, the dots kept.
	 */
	private static String normalizeParts(String name) {
		StringBuilder normalized = new StringBuilder(name.length());
		for (char c : name.toLowerCase(Locale.ROOT).toCharArray()) {
			if (c == '[') {
				normalized.append('.');
			}
			else if (c != '-' && c != '_' && c != ']') {
				normalized.append(c);
			}
		}
		return normalized.toString();
	}

	/** Levenshtein distance. */
	private static int distance(String a, String b) {
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return previous[b.length()];
	}

	private static Set<String> known() {
		Set<String> known = new TreeSet<>(OTHER_SETTINGS);
		for (Class<? extends Record> type : PROPERTIES_CLASSES) {
			ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
			String prefix = annotation.value().isEmpty() ? annotation.prefix() : annotation.value();
			addComponents(known, prefix, type);
		}
		return known;
	}

	private static void addComponents(Set<String> known, String prefix, Class<?> type) {
		for (RecordComponent component : type.getRecordComponents()) {
			String name = prefix + "." + kebab(component.getName());
			Class<?> value = component.getType();
			if (Map.class.isAssignableFrom(value)) {
				known.add(name + ".*");
			}
			else if (value.isRecord() && value.getPackageName().startsWith("dev.healthscore")) {
				addComponents(known, name, value);
			}
			else {
				known.add(name);
			}
		}
	}

	private static String kebab(String camel) {
		StringBuilder kebab = new StringBuilder(camel.length() + 4);
		for (char c : camel.toCharArray()) {
			if (Character.isUpperCase(c)) {
				kebab.append('-').append(Character.toLowerCase(c));
			}
			else {
				kebab.append(c);
			}
		}
		return kebab.toString();
	}

	/**
	 * A known setting: its documented name (a map's without the {@code .*}), that name
	 * normalized without separators and with its dots, and whether it is a map, whose
	 * keys are free.
	 */
	private record Setting(String name, String normalized, String parts, boolean map) {

		static Setting of(String known) {
			boolean map = known.endsWith(".*");
			String name = map ? known.substring(0, known.length() - 2) : known;
			return new Setting(name, normalize(name), normalizeParts(name), map);
		}

		/** Whether an environment variable's name, without separators, is this. */
		boolean matches(String normalizedName) {
			return this.map ? normalizedName.startsWith(this.normalized) : normalizedName.equals(this.normalized);
		}

		/** Whether another source's name, normalized with its dots, is this. */
		boolean matchesParts(String normalizedParts) {
			return this.map ? normalizedParts.startsWith(this.parts + ".") : normalizedParts.equals(this.parts);
		}

		/** As a message names it. */
		String shown() {
			return this.map ? this.name + ".<name>" : this.name;
		}

	}

	/**
	 * Settings that nothing reads: a usage error, reported before anything starts.
	 */
	public static final class UnknownSettingsException extends RuntimeException {

		private final List<String> settings;

		UnknownSettingsException(List<String> settings) {
			super("Unknown settings, which nothing reads: " + String.join("; ", settings));
			this.settings = settings;
		}

		/** The unknown settings, each with its source and the nearest known one. */
		public List<String> settings() {
			return this.settings;
		}

	}

}
