package dev.healthscore.jobs;

import java.util.Map;

import dev.healthscore.jobs.BlankDatabaseUrl.BlankDatabaseUrlException;
import org.junit.jupiter.api.Test;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

class BlankDatabaseUrlTests {

	@Test
	void anEnvironmentVariableGivenEmptyIsNamedAsTheVariable() {
		StandardEnvironment environment = environment(new SystemEnvironmentPropertySource("systemEnvironment",
				Map.of("HEALTHSCORE_DATASOURCE_PRIMARY_URL", "")));
		assertThatExceptionOfType(BlankDatabaseUrlException.class).isThrownBy(() -> BlankDatabaseUrl.check(environment))
			.satisfies((ex) -> assertThat(ex.settings())
				.containsExactly("HEALTHSCORE_DATASOURCE_PRIMARY_URL (systemEnvironment)"));
		StandardEnvironment spring = environment(
				new SystemEnvironmentPropertySource("systemEnvironment", Map.of("SPRING_DATASOURCE_URL", " ")));
		assertThatExceptionOfType(BlankDatabaseUrlException.class).isThrownBy(() -> BlankDatabaseUrl.check(spring))
			.satisfies((ex) -> assertThat(ex.settings()).containsExactly("SPRING_DATASOURCE_URL (systemEnvironment)"));
	}

	@Test
	void noUrlAtAllOrAPlaceholderOrAUrlPasses() {
		assertThatNoException().isThrownBy(() -> BlankDatabaseUrl.check(environment()));
		// the application.properties' own line, as Spring holds it before resolving
		assertThatNoException()
			.isThrownBy(() -> BlankDatabaseUrl.check(environment(new MapPropertySource("application.properties",
					Map.of("spring.datasource.url", "${healthscore.datasource.primary-url:}")))));
		assertThatNoException().isThrownBy(
				() -> BlankDatabaseUrl.check(environment(new SystemEnvironmentPropertySource("systemEnvironment",
						Map.of("HEALTHSCORE_DATASOURCE_PRIMARY_URL", "jdbc:postgresql://db/x")))));
	}

	private static StandardEnvironment environment(PropertySource<?>... sources) {
		return TestEnvironments.of(sources);
	}

}
