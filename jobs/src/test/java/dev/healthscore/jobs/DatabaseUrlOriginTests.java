package dev.healthscore.jobs;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

class DatabaseUrlOriginTests {

	/** application.properties' line, as Spring holds it before resolving. */
	private static final MapPropertySource APPLICATION_PROPERTIES = new MapPropertySource("application.properties", Map
		.of("spring.datasource.url", "${healthscore.datasource.primary-url:${HEALTHSCORE_DATASOURCE_PRIMARY_URL:}}"));

	@Test
	void theVariableThatApplicationPropertiesRefersToIsNamed() {
		assertThat(DatabaseUrlOrigin.describe(environment(
				new SystemEnvironmentPropertySource("systemEnvironment",
						Map.of("HEALTHSCORE_DATASOURCE_PRIMARY_URL", "jdbc:postgresql://db/x")),
				APPLICATION_PROPERTIES)))
			.isEqualTo("the environment variable HEALTHSCORE_DATASOURCE_PRIMARY_URL");
	}

	@Test
	void springsOwnVariableWinsOverApplicationPropertiesAndOurs() {
		assertThat(
				DatabaseUrlOrigin.describe(environment(
						new SystemEnvironmentPropertySource("systemEnvironment",
								Map.of("SPRING_DATASOURCE_URL", "jdbc:postgresql://db/x",
										"HEALTHSCORE_DATASOURCE_PRIMARY_URL", "jdbc:postgresql://other/y")),
						APPLICATION_PROPERTIES)))
			.isEqualTo("the environment variable SPRING_DATASOURCE_URL");
	}

	@Test
	void theCommandLineWinsOverTheEnvironment() {
		assertThat(DatabaseUrlOrigin.describe(environment(
				new SimpleCommandLinePropertySource("--healthscore.datasource.primary-url=jdbc:postgresql://db/x"),
				new SystemEnvironmentPropertySource("systemEnvironment",
						Map.of("HEALTHSCORE_DATASOURCE_PRIMARY_URL", "jdbc:postgresql://other/y")),
				APPLICATION_PROPERTIES)))
			.isEqualTo("--healthscore.datasource.primary-url on the command line");
	}

	@Test
	void anotherSourceIsNamedAsItIsAndNoSourceIsNull() {
		assertThat(DatabaseUrlOrigin.describe(
				environment(new MapPropertySource("custom", Map.of("spring.datasource.url", "jdbc:postgresql://db/x")),
						APPLICATION_PROPERTIES)))
			.isEqualTo("spring.datasource.url in custom");
		assertThat(DatabaseUrlOrigin.describe(environment())).isNull();
	}

	private static StandardEnvironment environment(PropertySource<?>... sources) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
		environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
		for (PropertySource<?> source : sources) {
			environment.getPropertySources().addLast(source);
		}
		return environment;
	}

}
