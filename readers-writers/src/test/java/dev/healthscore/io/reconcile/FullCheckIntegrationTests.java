package dev.healthscore.io.reconcile;

import java.io.IOException;
import java.time.LocalDate;

import javax.sql.DataSource;

import dev.healthscore.scoring.v1.HealthScoreV1;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FullCheck} cuts the users into segments of the size it is given, and compares
 * however many segments that makes.
 */
class FullCheckIntegrationTests {

	private static final LocalDate DAY = LocalDate.parse("2025-03-20");

	/** More users than a statement takes bind parameters (65,535), twice over. */
	private static final long USERS = 131_100;

	/** The one user whose score is missing. */
	private static final long UNSCORED_USER = 70_001;

	private static TemporaryPostgres postgres;

	private static DataSource dataSource;

	@BeforeAll
	static void start() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder());
		dataSource = postgres.getPostgresDatabase();
		Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		jdbc.execute("SELECT healthscore_ensure_partitions('health_reading', '2025-02-01', '2025-03-01')");
		jdbc.execute("SELECT healthscore_ensure_partitions('health_score', '2025-03-01', '2025-03-01')");
		jdbc.update("INSERT INTO app_user (user_id) SELECT u FROM generate_series(1, ?) AS u", USERS);
		jdbc.update("""
				INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
				VALUES (?, 'steps', '2025-03-20 12:00Z', 4000, 'phone')""", UNSCORED_USER);
		jdbc.execute("ANALYZE");
	}

	@AfterAll
	static void stop() throws IOException {
		postgres.close();
	}

	/**
	 * Each segment's lower bound was a bind parameter of the checksum query: more
	 * segments than a statement takes parameters failed the whole check.
	 */
	@Test
	void comparesMoreSegmentsThanAStatementTakesBindParameters() {
		FullCheck.Differences differences = new FullCheck(dataSource, new HealthScoreV1(), 2, 16).find(DAY, DAY,
				dataSource);
		assertThat(differences.segments()).isEqualTo((int) (USERS / 2));
		assertThat(differences.found().leaves()).singleElement()
			.satisfies((leaf) -> assertThat(leaf.from()).isLessThanOrEqualTo(UNSCORED_USER)
				.satisfies((from) -> assertThat(leaf.to()).isGreaterThan(UNSCORED_USER)));
	}

	/** Segments of one user each: every user id starts a segment. */
	@Test
	void cutsSegmentsOfOneUser() {
		FullCheck.Differences differences = new FullCheck(dataSource, new HealthScoreV1(), 1, 1).find(DAY, DAY,
				dataSource);
		assertThat(differences.segments()).isEqualTo((int) USERS);
		assertThat(differences.found().leaves()).containsExactly(new UserRange(UNSCORED_USER, UNSCORED_USER + 1));
	}

}
