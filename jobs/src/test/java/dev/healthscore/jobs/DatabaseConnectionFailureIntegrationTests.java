package dev.healthscore.jobs;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.healthscore.io.embedded.PostgresTemplate;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A command whose primary database takes no connection exits 1 with one report of which
 * database, what the server or network said and what to check, not the ~160 lines of
 * nested bean creation exceptions Spring Boot prints for a failure it cannot analyze.
 * Against a real PostgreSQL that asks for passwords over TCP.
 */
@ExtendWith(OutputCaptureExtension.class)
class DatabaseConnectionFailureIntegrationTests {

	@TempDir
	static Path data;

	private static EmbeddedPostgres postgres;

	@BeforeAll
	static void start() throws IOException, SQLException {
		postgres = PostgresTemplate.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"),
				data.resolve("pg"));
		try (Connection connection = postgres.getPostgresDatabase().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE ROLE app LOGIN PASSWORD 'right-one'");
			// TCP connections need a password; local ones (none here) stay as initdb
			// made them
			Files.writeString(data.resolve("pg/pg_hba.conf"),
					"local all all trust\nhost all postgres 127.0.0.1/32 trust\n"
							+ "host all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n");
			statement.execute("SELECT pg_reload_conf()");
		}
	}

	@AfterAll
	static void stop() throws IOException {
		postgres.close();
	}

	@Test
	void aServerThatRefusesTheConnectionIsNamedWithoutItsPasswordAndWithWhatToCheck(CapturedOutput output)
			throws IOException {
		int port = freePort();
		String url = "jdbc:postgresql://127.0.0.1:" + port + "/healthscore";
		assertThat(HealthScoreApplication.run("run", "recompute", "--days-back=2",
				"--spring.datasource.url=" + url + "?password=sekrit", "--spring.datasource.username=app"))
			.isEqualTo(1);
		assertThat(output.getOut()).contains("APPLICATION FAILED TO START")
			.contains("Could not connect to the primary database " + url + "?password=*** (SQL state 08001)")
			.contains("Connection to 127.0.0.1:" + port + " refused")
			.contains("Check the host and port in the URL (given by --spring.datasource.url on the command line)")
			.contains("Then run the same command again")
			.doesNotContain("SPRING_DATASOURCE_URL");
		assertNoTraceNorPassword(output, "sekrit");
	}

	@Test
	void theAdviceNamesTheEnvironmentVariableThatGaveTheUrl() throws IOException, InterruptedException {
		// as the ECS task definition gives it; in a JVM of its own, whose environment a
		// test can set
		int port = freePort();
		String logged = statusFailingWith("environment-variable.log",
				Map.of("HEALTHSCORE_DATASOURCE_PRIMARY_URL", "jdbc:postgresql://127.0.0.1:" + port + "/healthscore"));
		assertThat(logged)
			.contains("Could not connect to the primary database jdbc:postgresql://127.0.0.1:" + port + "/healthscore")
			.contains("Check the host and port in the URL (given by the environment variable"
					+ " HEALTHSCORE_DATASOURCE_PRIMARY_URL)")
			.doesNotContain("SPRING_DATASOURCE_URL")
			.doesNotContain("command line");
	}

	@Test
	void theAdviceNamesTheSystemPropertyThatGaveTheUrl(CapturedOutput output) throws IOException {
		System.setProperty("spring.datasource.url", url("no_such_db"));
		try {
			assertThat(HealthScoreApplication.run("status", "--spring.datasource.username=app",
					"--spring.datasource.password=right-one"))
				.isEqualTo(1);
		}
		finally {
			System.clearProperty("spring.datasource.url");
		}
		assertThat(output.getOut()).contains("(SQL state 3D000)")
			.contains("(its path, before any ?parameters; given by the system property spring.datasource.url)")
			.doesNotContain("SPRING_DATASOURCE_URL");
	}

	@Test
	void aTlsMismatchSaysToCheckTheUrlsTlsSettingsNotTheHostAndPort(CapturedOutput output) {
		// as infra/ sets it for RDS, against a server without TLS
		String url = url("postgres") + "?sslmode=verify-full&sslrootcert=/nonexistent/rds-ca-bundle.pem";
		// given by our setting, which application.properties' spring.datasource.url
		// refers
		// to
		assertThat(HealthScoreApplication.run("status", "--healthscore.datasource.primary-url=" + url,
				"--spring.datasource.username=app", "--spring.datasource.password=right-one"))
			.isEqualTo(1);
		assertThat(output.getOut()).contains("Could not connect to the primary database " + url)
			.contains("The server does not support SSL")
			.contains("Check the TLS settings of the URL (sslmode, sslrootcert; given by"
					+ " --healthscore.datasource.primary-url on the command line)")
			.doesNotContain("SPRING_DATASOURCE_URL")
			.doesNotContain("Check the host and port");
		assertNoTraceNorPassword(output, "right-one");
	}

	@Test
	void aWrongPasswordSaysToCheckTheCredentials(CapturedOutput output) {
		assertThat(HealthScoreApplication.run("run", "recompute", "--days-back=2",
				"--spring.datasource.url=" + url("postgres"), "--spring.datasource.username=app",
				"--spring.datasource.password=wrong-one"))
			.isEqualTo(1);
		assertThat(output.getOut()).contains("Could not connect to the primary database " + url("postgres"))
			.contains("(SQL state 28P01)")
			.contains("password authentication failed for user \"app\"")
			// the settings that gave them, not every one that could have
			.contains("Check the user name (given by --spring.datasource.username on the command line) and password"
					+ " (given by --spring.datasource.password on the command line)")
			.doesNotContain("HEALTHSCORE_DATASOURCE_USERNAME")
			.doesNotContain("SPRING_DATASOURCE_*");
		assertNoTraceNorPassword(output, "wrong-one");
	}

	@Test
	void aWrongPasswordFromTheEnvironmentNamesItsVariables() throws IOException, InterruptedException {
		// as the ECS task definition gives them, from the database secret
		String logged = statusFailingWith("credentials-variables.log",
				Map.of("HEALTHSCORE_DATASOURCE_PRIMARY_URL", url("postgres"), "HEALTHSCORE_DATASOURCE_USERNAME", "app",
						"HEALTHSCORE_DATASOURCE_PASSWORD", "wrong-one"));
		assertThat(logged).contains("(SQL state 28P01)")
			.contains("Check the user name (given by the environment variable HEALTHSCORE_DATASOURCE_USERNAME) and"
					+ " password (given by the environment variable HEALTHSCORE_DATASOURCE_PASSWORD)")
			.doesNotContain("SPRING_DATASOURCE_*")
			.doesNotContain("wrong-one");
	}

	@Test
	void aDatabaseThatDoesNotExistSaysToCorrectTheNameOrCreateIt(CapturedOutput output) {
		assertThat(HealthScoreApplication.run("status", "--spring.datasource.url=" + url("no_such_db"),
				"--spring.datasource.username=app", "--spring.datasource.password=right-one"))
			.isEqualTo(1);
		assertThat(output.getOut()).contains("(SQL state 3D000)")
			.contains("database \"no_such_db\" does not exist")
			.contains("Correct the database name in the URL (its path, before any ?parameters; given by"
					+ " --spring.datasource.url on the command line)");
		assertNoTraceNorPassword(output, "right-one");
	}

	@Test
	void aDatabaseUrlGivenEmptyIsAUsageErrorInsteadOfAnEmbeddedDatabase(CapturedOutput output) {
		// e.g. --spring.datasource.url=$DB_URL with DB_URL unset: before, an empty URL
		// meant "no database", and the run completed on a new, empty embedded one
		assertThat(HealthScoreApplication.run("run", "recompute", "--days-back=2", "--spring.datasource.url="))
			.isEqualTo(2);
		assertThat(HealthScoreApplication.run("status", "--healthscore.datasource.primary-url= ")).isEqualTo(2);
		assertThat(output.getOut()).contains("The database URL is set, but empty")
			.contains("spring.datasource.url (commandLineArgs)")
			.contains("healthscore.datasource.primary-url (commandLineArgs)")
			.contains("Set it to your database's JDBC URL");
		assertThat(output.getAll()).doesNotContain("started embedded PostgreSQL").doesNotContain("Caused by:");
	}

	@Test
	void aDatabaseUrlTheDriverDoesNotTakeIsAUsageErrorWithoutAStackTrace(CapturedOutput output) {
		// before, the pool's or Flyway's exception: ~50 lines of nested bean creation
		// exceptions and exit code 1, the code of a failed job
		assertThat(HealthScoreApplication.run("status",
				"--spring.datasource.url=postgres://app:sekrit@127.0.0.1:" + postgres.getPort() + "/postgres"))
			.isEqualTo(2);
		assertThat(HealthScoreApplication.run("run", "recompute", "--days-back=2",
				"--spring.datasource.url=jdbc:postgresql://127.0.0.1:port/postgres"))
			.isEqualTo(2);
		assertThat(output.getOut()).contains("APPLICATION FAILED TO START")
			.contains("The database URL is not a PostgreSQL JDBC URL")
			.contains("spring.datasource.url (commandLineArgs): postgres://app:***@127.0.0.1:")
			.contains("spring.datasource.url (commandLineArgs): jdbc:postgresql://127.0.0.1:port/postgres")
			.contains("Give jdbc:postgresql://<host>:<port>/<database>");
		assertNoTraceNorPassword(output, "sekrit");
	}

	@Test
	void aCommandOnTheEmbeddedDefaultWarnsThatItsDatabaseIsNewEmptyAndDeletedAtExit(CapturedOutput output) {
		assertThat(HealthScoreApplication.run("status")).isZero();
		assertThat(output.getOut()).contains("started embedded PostgreSQL")
			.contains("'status' runs on this new, empty embedded database, deleted at exit: set"
					+ " HEALTHSCORE_DATASOURCE_PRIMARY_URL");
		// it named only 'run', not which job
		assertThat(HealthScoreApplication.run("run", "partitions")).isZero();
		assertThat(output.getOut()).contains("'run partitions' runs on this new, empty embedded database");
	}

	/**
	 * Runs {@code status} in a JVM of its own whose environment gives the database
	 * settings {@code variables} only (none inherited), as an ECS task definition does;
	 * asserts it exits 1 and returns what it logged.
	 */
	private static String statusFailingWith(String logName, Map<String, String> variables)
			throws IOException, InterruptedException {
		Path log = data.resolve(logName);
		ProcessBuilder builder = new ProcessBuilder(AppProcess.command(List.of(), List.of("status")))
			.redirectErrorStream(true)
			.redirectOutput(log.toFile());
		Map<String, String> environment = builder.environment();
		environment.keySet()
			.removeIf((name) -> name.toUpperCase(Locale.ROOT).startsWith("SPRING_DATASOURCE_")
					|| name.toUpperCase(Locale.ROOT).startsWith("HEALTHSCORE_DATASOURCE_"));
		environment.putAll(variables);
		Process process = builder.start();
		assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
		assertThat(process.exitValue()).isEqualTo(1);
		return Files.readString(log);
	}

	private static void assertNoTraceNorPassword(CapturedOutput output, String password) {
		assertThat(output.getAll()).doesNotContain("\tat org.postgresql")
			.doesNotContain("Caused by:")
			.doesNotContain("Exception encountered during context initialization")
			.doesNotContain(password)
			.doesNotContain("embedded PostgreSQL");
	}

	private static String url(String database) {
		return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + database;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
