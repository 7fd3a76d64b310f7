package dev.healthscore.jobs;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.healthscore.jobs.UnknownSettings.UnknownSettingsException;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.type.filter.AnnotationTypeFilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

class UnknownSettingsTests {

	@Test
	void theKnownSettingsAreThoseOfThePropertiesClassesAndTheOthersReadDirectly() {
		assertThat(UnknownSettings.knownSettings()).contains("healthscore.recompute.chunk-size",
				"healthscore.recompute.threads", "healthscore.reconcile.ingest-margin",
				"healthscore.archive.grace-period", "healthscore.replica.max-lag-bytes",
				"healthscore.scheduler.cron-overrides.*", "healthscore.metrics.cloudwatch-enabled",
				"healthscore.partitions.months-ahead", "healthscore.guard.heartbeat-interval",
				"healthscore.datasource.primary-url");
		assertThat(UnknownSettings.knownSettings()).doesNotContain("healthscore.recompute",
				"healthscore.scheduler.cron-overrides");
	}

	@Test
	void aMisspeltSettingOnTheCommandLineIsRefusedWithTheSettingItMeant() {
		StandardEnvironment environment = environment(
				new SimpleCommandLinePropertySource("--healthscore.reconcile.chunk-sise=500", "--spring.foo=1"));
		assertThatExceptionOfType(UnknownSettingsException.class).isThrownBy(() -> UnknownSettings.check(environment))
			.satisfies((ex) -> assertThat(ex.settings()).containsExactly(
					"healthscore.reconcile.chunk-sise (commandLineArgs): did you mean healthscore.reconcile.chunk-size?"));
	}

	@Test
	void outsideEnvironmentVariablesTheDotsCountAsThePropertyBinderCountsThem() {
		// every spelling is checked against Spring's binder too: the accepted ones bind
		List<String> binding = List.of("--healthscore.reconcile.chunkSize=1", "--healthscore.reconcile.chunk_size=2",
				"--HealthScore.Reconcile.Chunk-Size=3", "--healthscore.scheduler.cron-overrides[nightly]=0 0 1 * * ?",
				"--healthscore.scheduler.cronOverrides.partitions-daily=0 0 3 * * ?");
		for (String argument : binding) {
			StandardEnvironment environment = environment(new SimpleCommandLinePropertySource(argument));
			assertThatNoException().as(argument).isThrownBy(() -> UnknownSettings.check(environment));
			assertThat(Binder.get(environment).bind("healthscore.reconcile.chunk-size", Integer.class).isBound()
					|| Binder.get(environment)
						.bind("healthscore.scheduler.cron-overrides", Bindable.mapOf(String.class, String.class))
						.isBound())
				.as(argument)
				.isTrue();
		}
		Map<String, String> ignored = Map.of("--healthscore.reconcilechunk-size=500",
				"healthscore.reconcilechunk-size (commandLineArgs): did you mean healthscore.reconcile.chunk-size?",
				"--healthscore.reconcile.chunk.size=500",
				"healthscore.reconcile.chunk.size (commandLineArgs): did you mean healthscore.reconcile.chunk-size?",
				"--healthscore.scheduler.cron-overrides=0 0 1 * * ?",
				"healthscore.scheduler.cron-overrides (commandLineArgs): did you mean"
						+ " healthscore.scheduler.cron-overrides.<name>?");
		ignored.forEach((argument, message) -> {
			StandardEnvironment environment = environment(new SimpleCommandLinePropertySource(argument));
			assertThat(Binder.get(environment).bind("healthscore.reconcile.chunk-size", Integer.class).isBound())
				.as(argument)
				.isFalse();
			assertThatExceptionOfType(UnknownSettingsException.class).as(argument)
				.isThrownBy(() -> UnknownSettings.check(environment))
				.satisfies((ex) -> assertThat(ex.settings()).containsExactly(message));
		});
	}

	@Test
	void environmentVariablesMatchAsRelaxedBindingMatchesThem() {
		// the ECS task's variables (infra's ContainerEnvironment) and the forms Spring
		// Boot binds
		Map<String, Object> variables = Map.of("HEALTHSCORE_DATASOURCE_PRIMARY_URL", "jdbc:postgresql://db/x",
				"HEALTHSCORE_DATASOURCE_REPLICA_URL", "jdbc:postgresql://replica/x", "HEALTHSCORE_DATASOURCE_USERNAME",
				"u", "HEALTHSCORE_DATASOURCE_PASSWORD", "p", "HEALTHSCORE_ARCHIVE_BUCKET", "b",
				"HEALTHSCORE_ARCHIVE_PREFIX", "archive", "HEALTHSCORE_METRICS_CLOUDWATCH_ENABLED", "true",
				"HEALTHSCORE_RECONCILE_CHUNKSIZE", "100", "HEALTHSCORE_RECONCILE_CHUNK_SIZE", "100",
				"HEALTHSCORE_SCHEDULER_CRONOVERRIDES_NIGHTLY", "0 0 1 * * ?");
		assertThatNoException().isThrownBy(() -> UnknownSettings.check(environment(new SystemEnvironmentPropertySource(
				StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables))));
		StandardEnvironment misspelt = environment(
				new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						Map.of("HEALTHSCORE_ARCHIVE_GRACE_PERIDO", "1d", "HEALTHSCOREX", "not ours", "PATH", "/bin")));
		assertThatExceptionOfType(UnknownSettingsException.class).isThrownBy(() -> UnknownSettings.check(misspelt))
			.satisfies((ex) -> assertThat(ex.settings()).containsExactly(
					"HEALTHSCORE_ARCHIVE_GRACE_PERIDO (systemEnvironment): did you mean healthscore.archive.grace-period?"));
	}

	@Test
	void aSettingFarFromEveryKnownOneIsRefusedWithoutAGuessAndEveryOneIsListed() {
		StandardEnvironment environment = environment(new MapPropertySource("application.properties",
				Map.of("healthscore.nothing-like-it", "1", "healthscore.replica.url", "")));
		environment.getPropertySources()
			.addFirst(new SimpleCommandLinePropertySource("--healthscore.scheduler.cron-overides.nightly=x"));
		assertThatExceptionOfType(UnknownSettingsException.class).isThrownBy(() -> UnknownSettings.check(environment))
			.satisfies((ex) -> assertThat(ex.settings()).containsExactlyInAnyOrder(
					"healthscore.scheduler.cron-overides.nightly (commandLineArgs): did you mean"
							+ " healthscore.scheduler.cron-overrides.<name>?",
					"healthscore.nothing-like-it (application.properties)"));
	}

	@Test
	void everyPropertiesClassOfTheApplicationIsKnown() {
		ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
		scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
		Set<String> classes = new HashSet<>();
		for (BeanDefinition candidate : scanner.findCandidateComponents("dev.healthscore")) {
			classes.add(candidate.getBeanClassName());
		}
		assertThat(classes).isNotEmpty()
			.containsExactlyInAnyOrderElementsOf(
					UnknownSettings.PROPERTIES_CLASSES.stream().map(Class::getName).toList());
	}

	@Test
	void everySettingReadWithAPlaceholderInTheApplicationIsKnown() throws IOException {
		Pattern placeholder = Pattern.compile("\\$\\{(healthscore\\.[a-z0-9.\\-]+)");
		Set<String> read = new HashSet<>();
		try (Stream<Path> files = Files.walk(Path.of("src/main"))) {
			for (Path file : files.filter(Files::isRegularFile).toList()) {
				Matcher matcher = placeholder.matcher(Files.readString(file));
				while (matcher.find()) {
					read.add(matcher.group(1));
				}
			}
		}
		assertThat(read).isNotEmpty();
		assertThat(UnknownSettings.knownSettings()).containsAll(read);
	}

	@Test
	void theReadmeDocumentsEveryKnownSettingButTheTaskVariablesOwnNames() throws IOException {
		String readme = Files.readString(Path.of("..", "README.md"));
		for (String setting : UnknownSettings.knownSettings()) {
			if (!setting.startsWith("healthscore.datasource.")) {
				// a map's keys are written <schedule> there
				assertThat(readme).as(setting).contains(setting.replace(".*", "."));
			}
		}
	}

	@Test
	void everySettingOfTheReadmesTablesIsKnown() throws IOException {
		Map<String, String> documented = readmeSettings();
		assertThat(documented).hasSizeGreaterThan(40);
		for (String setting : documented.keySet()) {
			assertThat(UnknownSettings.knownSettings()).as("README's setting %s", setting)
				.contains(setting.replace(".<schedule>", ".*"));
		}
	}

	@Test
	void theReadmesDefaultsAreThoseTheSettingsBindWhenUnset() throws IOException {
		Binder unset = new Binder(List.of());
		ConversionService conversion = ApplicationConversionService.getSharedInstance();
		int compared = 0;
		for (Map.Entry<String, String> entry : readmeSettings().entrySet()) {
			String setting = entry.getKey();
			String shown = entry.getValue().replace("`", "").strip();
			if (setting.endsWith(".<schedule>") || shown.equals("—")) {
				continue;
			}
			Object bound = boundDefault(unset, setting);
			if (shown.equals("unset")) {
				assertThat(bound).as(setting).isNull();
			}
			else if (shown.matches("[A-Za-z0-9/_.-]+") && bound != null) {
				// a literal such as 200, 10m, 256MB, zstd, wait: as the setting would
				// take it
				assertThat(bound).as(setting).isEqualTo(conversion.convert(shown, bound.getClass()));
				compared++;
			}
		}
		assertThat(compared).isGreaterThan(30);
	}

	/**
	 * The settings of the README's tables (rows whose first cell names one setting), each
	 * with its default cell.
	 */
	private static Map<String, String> readmeSettings() throws IOException {
		Map<String, String> settings = new LinkedHashMap<>();
		Pattern row = Pattern.compile("^\\| ((?:`healthscore\\.[^`]+`(?:, )?)+) \\| ([^|]*) \\|", Pattern.MULTILINE);
		Matcher matcher = row.matcher(Files.readString(Path.of("..", "README.md")));
		while (matcher.find()) {
			for (String name : matcher.group(1).split(", ")) {
				settings.put(name.replace("`", ""), matcher.group(2));
			}
		}
		return settings;
	}

	/** The value a setting binds to when nothing sets it, as its class defaults it. */
	private static Object boundDefault(Binder binder, String setting) {
		Class<? extends Record> type = UnknownSettings.PROPERTIES_CLASSES.stream()
			.filter((candidate) -> setting.startsWith(prefix(candidate) + "."))
			.max(Comparator.comparingInt((candidate) -> prefix(candidate).length()))
			.orElseThrow();
		Object value = binder.bindOrCreate(prefix(type), Bindable.of(type));
		for (String part : setting.substring(prefix(type).length() + 1).split("\\.")) {
			value = component(value, part);
		}
		return value;
	}

	private static String prefix(Class<?> type) {
		return type.getAnnotation(ConfigurationProperties.class).value();
	}

	private static Object component(Object record, String kebab) {
		for (RecordComponent component : record.getClass().getRecordComponents()) {
			if (component.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT).equals(kebab)) {
				try {
					return component.getAccessor().invoke(record);
				}
				catch (ReflectiveOperationException ex) {
					throw new IllegalStateException(ex);
				}
			}
		}
		throw new IllegalArgumentException("No setting " + kebab + " in " + record.getClass().getName());
	}

	private static StandardEnvironment environment(org.springframework.core.env.PropertySource<?> source) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(source);
		// as in the surefire JVM, which may have variables and properties of its own
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		if (source.getName().equals(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)) {
			environment.getPropertySources().addFirst(source);
		}
		return environment;
	}

}
