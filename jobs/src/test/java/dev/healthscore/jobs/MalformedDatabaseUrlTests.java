package dev.healthscore.jobs;

import java.util.Map;

import dev.healthscore.jobs.MalformedDatabaseUrl.MalformedDatabaseUrlException;
import org.junit.jupiter.api.Test;

import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

class MalformedDatabaseUrlTests {

	@Test
	void aUrlTheDriverDoesNotTakeIsNamedWithItsSourceAndWithoutItsPassword() {
		StandardEnvironment environment = environment(
				new SystemEnvironmentPropertySource("systemEnvironment",
						Map.of("SPRING_DATASOURCE_URL", "postgres://app:sekrit@db:5432/healthscore")),
				new MapPropertySource("commandLineArgs",
						Map.of("healthscore.datasource.primary-url", "jdbc:postgresql://db:abc/x?password=sekrit")));
		assertThatExceptionOfType(MalformedDatabaseUrlException.class)
			.isThrownBy(() -> MalformedDatabaseUrl.check(environment))
			.satisfies((ex) -> assertThat(ex.settings()).containsExactly(
					"SPRING_DATASOURCE_URL (systemEnvironment): postgres://app:***@db:5432/healthscore",
					"healthscore.datasource.primary-url (commandLineArgs): jdbc:postgresql://db:abc/x?password=***"));
		assertThatExceptionOfType(MalformedDatabaseUrlException.class)
			.isThrownBy(() -> MalformedDatabaseUrl.check(environment(new MapPropertySource("commandLineArgs",
					Map.of("spring.datasource.url", "jdbc:mysql://db:3306/x")))))
			.satisfies((ex) -> assertThat(ex.settings())
				.containsExactly("spring.datasource.url (commandLineArgs): jdbc:mysql://db:3306/x"));
	}

	@Test
	void noUrlABlankOneAPlaceholderOrAPostgresqlJdbcUrlPasses() {
		assertThatNoException().isThrownBy(() -> MalformedDatabaseUrl.check(environment()));
		// blank: BlankDatabaseUrl's to refuse, with its own message
		assertThatNoException().isThrownBy(() -> MalformedDatabaseUrl
			.check(environment(new MapPropertySource("commandLineArgs", Map.of("spring.datasource.url", "")))));
		// the application.properties' own line, as Spring holds it before resolving
		assertThatNoException()
			.isThrownBy(() -> MalformedDatabaseUrl.check(environment(new MapPropertySource("application.properties",
					Map.of("spring.datasource.url", "${healthscore.datasource.primary-url:}")))));
		assertThatNoException().isThrownBy(() -> MalformedDatabaseUrl
			.check(environment(new SystemEnvironmentPropertySource("systemEnvironment", Map.of(
					"HEALTHSCORE_DATASOURCE_PRIMARY_URL",
					"jdbc:postgresql://db.example:5432/healthscore?sslmode=verify-full&sslrootcert=/app/rds-ca-bundle.pem")))));
	}

	private static StandardEnvironment environment(PropertySource<?>... sources) {
		return TestEnvironments.of(sources);
	}

}
