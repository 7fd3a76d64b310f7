package dev.healthscore.io.reconcile;

import java.io.IOException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;

import javax.sql.DataSource;

import dev.healthscore.io.reading.InvalidTimeZoneException;
import dev.healthscore.scoring.v1.HealthScoreV1;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * {@link ChangedInputs} and {@link FullCheck} on users whose {@code app_user.time_zone}
 * PostgreSQL does not know: {@code AT TIME ZONE} fails the whole query, and the failure
 * names the users and the value and says what to fix.
 */
class ChangedInputsIntegrationTests {

	private static final LocalDate DAY = LocalDate.parse("2025-03-20");

	private static EmbeddedPostgres postgres;

	private static DataSource dataSource;

	private static JdbcTemplate jdbc;

	@BeforeAll
	static void start() throws IOException {
		postgres = EmbeddedPostgres.builder().start();
		dataSource = postgres.getPostgresDatabase();
		Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
		jdbc = new JdbcTemplate(dataSource);
		jdbc.execute("SELECT healthscore_ensure_partitions('health_reading', '2025-02-01', '2025-03-01')");
		jdbc.execute("SELECT healthscore_ensure_partitions('health_score', '2025-02-01', '2025-03-01')");
	}

	@AfterAll
	static void stop() throws IOException {
		postgres.close();
	}

	@Test
	void aChangeOfUsersWithAnInvalidTimeZoneFailsNamingThemTheValueAndWhatToFix() {
		for (long user = 6; user <= 9; user++) {
			jdbc.update("INSERT INTO app_user (user_id, time_zone) VALUES (?, ?)", user,
					(user % 2 == 1) ? "Mars/Olympus" : "Europe/Paris");
			jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					VALUES (?, 'steps', '2025-03-20 12:00Z', 1000, 'phone')""", user);
		}
		ChangedInputs changes = new ChangedInputs(dataSource, new HealthScoreV1(), Duration.ofMinutes(5));
		// in a transaction, as the detect step runs it: the failed query aborts it
		TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		assertThatException()
			.isThrownBy(() -> transaction.executeWithoutResult(
					(status) -> changes.findSuspects(1, DAY, DAY, new ChangeWindow(null, "every reading", List.of()))))
			.withMessageContaining("Users 7, 9 have app_user.time_zone 'Mars/Olympus'")
			.withMessageContaining("not an IANA time zone id")
			.withMessageContaining("set it to an IANA zone id such as 'Europe/Paris'")
			// PostgreSQL's own error, as the cause
			.withStackTraceContaining("time zone \"Mars/Olympus\" not recognized");
		assertThat(jdbc.queryForObject("SELECT count(*) FROM reconcile_suspect", Long.class)).isZero();
	}

	@Test
	void aFullCheckOverUsersWithAnInvalidTimeZoneFailsNamingThemTheValueAndWhatToFix() {
		for (long user = 16; user <= 19; user++) {
			jdbc.update("INSERT INTO app_user (user_id, time_zone) VALUES (?, ?)", user,
					(user % 2 == 1) ? "Venus/Maxwell" : "Europe/Paris");
			jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					VALUES (?, 'steps', '2025-03-20 12:00Z', 1000, 'phone')""", user);
		}
		try {
			FullCheck check = new FullCheck(dataSource, new HealthScoreV1(), 2, 2);
			// the first invalid value in the message, the others (another test's users
			// may
			// be there still) attached as suppressed
			assertThatException().isThrownBy(() -> check.find(DAY, DAY, dataSource))
				.isInstanceOf(InvalidTimeZoneException.class)
				.withMessageContaining("set it to an IANA zone id such as 'Europe/Paris'")
				.withStackTraceContaining("Users 17, 19 have app_user.time_zone 'Venus/Maxwell'")
				// PostgreSQL's own error, as the cause: the first invalid zone it met
				.withStackTraceContaining("\" not recognized");
		}
		finally {
			jdbc.update("DELETE FROM health_reading WHERE user_id BETWEEN 16 AND 19");
			jdbc.update("DELETE FROM app_user WHERE user_id BETWEEN 16 AND 19");
		}
	}

}
