package dev.healthscore.io.reconcile;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

import javax.sql.DataSource;

import dev.healthscore.io.reading.InvalidTimeZoneException;
import dev.healthscore.scoring.v1.HealthScoreV1;
import dev.healthscore.io.embedded.TemporaryPostgres;
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
import static org.assertj.core.api.Assertions.catchException;

/**
 * {@link ChangedInputs} and {@link FullCheck} on users whose {@code app_user.time_zone}
 * PostgreSQL does not know: {@code AT TIME ZONE} fails the whole query, and the failure
 * names the users and the value and says what to fix. A deleted user's zone is never
 * converted to, and never named.
 */
class ChangedInputsIntegrationTests {

	private static final LocalDate DAY = LocalDate.parse("2025-03-20");

	private static TemporaryPostgres postgres;

	private static DataSource dataSource;

	private static JdbcTemplate jdbc;

	@BeforeAll
	static void start() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder());
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

	/**
	 * A deleted user's readings are no inputs: their zone, no zone id, is not converted
	 * to, neither for a reading that came late nor on a day no checkpoint covers, and
	 * their deletion makes their days suspect.
	 */
	@Test
	void aDeletedUserWithAnInvalidTimeZoneHasTheirDaysSuspectedWithoutConvertingToTheirZone() {
		// a day no other test has readings around
		LocalDate day = LocalDate.parse("2025-03-05");
		Instant since = jdbc.queryForObject("SELECT clock_timestamp()", Timestamp.class).toInstant();
		for (long user = 26; user <= 27; user++) {
			jdbc.update("INSERT INTO app_user (user_id, time_zone) VALUES (?, 'Europe/Paris')", user);
			jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					VALUES (?, 'steps', '2025-03-05 12:00Z', 1000, 'phone')""", user);
		}
		jdbc.update("UPDATE app_user SET deleted_at = now(), time_zone = 'Mars/Base' WHERE user_id = 27");
		try {
			ChangedInputs changes = new ChangedInputs(dataSource, new HealthScoreV1(), Duration.ofMinutes(5));
			changes.findSuspects(2, day, day, new ChangeWindow(since, "since the test began", List.of(day)));
			assertThat(jdbc.queryForList("""
					SELECT user_id || ' ' || score_date || ' ' || array_to_string(reasons, ',')
					FROM reconcile_suspect WHERE job_instance_id = 2 ORDER BY 1""", String.class))
				.containsExactly("26 2025-03-05 late_data,unscored_day", "27 2025-03-05 user_deleted");
		}
		finally {
			jdbc.update("DELETE FROM reconcile_suspect WHERE job_instance_id = 2");
			jdbc.update("DELETE FROM health_reading WHERE user_id BETWEEN 26 AND 27");
			jdbc.update("DELETE FROM app_user WHERE user_id BETWEEN 26 AND 27");
			jdbc.update("DELETE FROM score_input_change WHERE user_id BETWEEN 26 AND 27");
		}
	}

	/**
	 * A live user's invalid time zone still fails the query, and the failure names the
	 * live users with it: not a deleted one with the same value, nor another deleted
	 * one's invalid value.
	 */
	@Test
	void anInvalidTimeZoneOfALiveUserFailsNamingOnlyLiveUsers() {
		for (long user = 36; user <= 38; user++) {
			jdbc.update("INSERT INTO app_user (user_id, time_zone) VALUES (?, 'Europe/Paris')", user);
			jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					VALUES (?, 'steps', '2025-03-20 12:00Z', 1000, 'phone')""", user);
		}
		// values sorted before the other tests' invalid ones, which may be there still
		jdbc.update("UPDATE app_user SET time_zone = 'Atlantis/Live' WHERE user_id = 36");
		jdbc.update("UPDATE app_user SET deleted_at = now(), time_zone = 'Atlantis/Live' WHERE user_id = 37");
		jdbc.update("UPDATE app_user SET deleted_at = now(), time_zone = 'Atlantis/Gone' WHERE user_id = 38");
		try {
			ChangedInputs changes = new ChangedInputs(dataSource, new HealthScoreV1(), Duration.ofMinutes(5));
			Exception failure = catchException(
					() -> changes.findSuspects(3, DAY, DAY, new ChangeWindow(null, "every reading", List.of())));
			assertThat(failure).isInstanceOf(InvalidTimeZoneException.class)
				.hasMessageStartingWith("User 36 has app_user.time_zone 'Atlantis/Live'")
				.hasMessageContaining("UPDATE app_user SET time_zone = 'Europe/Paris' WHERE user_id = 36");
			assertThat(Arrays.stream(failure.getSuppressed()).map(Throwable::getMessage))
				.noneMatch((message) -> message.contains("Atlantis/Gone"));
		}
		finally {
			jdbc.update("DELETE FROM reconcile_suspect WHERE job_instance_id = 3");
			jdbc.update("DELETE FROM health_reading WHERE user_id BETWEEN 36 AND 38");
			jdbc.update("DELETE FROM app_user WHERE user_id BETWEEN 36 AND 38");
			jdbc.update("DELETE FROM score_input_change WHERE user_id BETWEEN 36 AND 38");
		}
	}

}
