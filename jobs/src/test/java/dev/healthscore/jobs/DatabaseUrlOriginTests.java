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

	/** application.properties' lines of the credentials, as Spring holds them. */
	private static final MapPropertySource CREDENTIALS_PROPERTIES = new MapPropertySource("application.properties",
			Map.of("spring.datasource.username",
					"${healthscore.datasource.username:${HEALTHSCORE_DATASOURCE_USERNAME:}}",
					"spring.datasource.password",
					"${healthscore.datasource.password:${HEALTHSCORE_DATASOURCE_PASSWORD:}}"));

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

	/**
	 * The advice for refused credentials named every setting that could give them; the
	 * settings that did are followed as the URL's are, naming where the password was
	 * given, never its value.
	 */
	@Test
	void theUserNameAndPasswordAreFollowedToTheSettingsThatGaveThem() {
		StandardEnvironment environment = environment(
				new SimpleCommandLinePropertySource("--spring.datasource.username=app"),
				new SystemEnvironmentPropertySource("systemEnvironment", Map.of("HEALTHSCORE_DATASOURCE_USERNAME",
						"other", "HEALTHSCORE_DATASOURCE_PASSWORD", "sekrit")),
				CREDENTIALS_PROPERTIES);
		assertThat(DatabaseUrlOrigin.describe(environment, DatabaseUrlOrigin.USERNAME))
			.isEqualTo("--spring.datasource.username on the command line");
		assertThat(DatabaseUrlOrigin.describe(environment, DatabaseUrlOrigin.PASSWORD))
			.isEqualTo("the environment variable HEALTHSCORE_DATASOURCE_PASSWORD");
	}

	@Test
	void aUserNameOrPasswordThatNoSettingGivesIsNull() {
		// application.properties gives them empty
		StandardEnvironment environment = environment(CREDENTIALS_PROPERTIES);
		assertThat(DatabaseUrlOrigin.describe(environment, DatabaseUrlOrigin.USERNAME)).isNull();
		assertThat(DatabaseUrlOrigin.describe(environment, DatabaseUrlOrigin.PASSWORD)).isNull();
	}

	private static StandardEnvironment environment(PropertySource<?>... sources) {
		return TestEnvironments.of(sources);
	}

}
