package dev.healthscore.io.reading;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.healthscore.io.replica.ReadSource;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.UserScores;
import dev.healthscore.scoring.v1.HealthScoreV1;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * {@link UserReadingsItemReader} hands out the users of its shard only, whether it reads
 * every user or a list of them.
 */
class UserReadingsItemReaderIntegrationTests {

	private static final LocalDate DAY = LocalDate.parse("2025-03-20");

	private static TemporaryPostgres postgres;

	private static DataSource dataSource;

	@BeforeAll
	static void start() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder());
		dataSource = postgres.getPostgresDatabase();
		Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		jdbc.execute("SELECT healthscore_ensure_partitions('health_reading', '2025-02-01', '2025-03-01')");
		for (long user = -3; user <= 6; user++) {
			jdbc.update("INSERT INTO app_user (user_id, time_zone) VALUES (?, 'UTC')", user);
			jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					VALUES (?, 'steps', '2025-03-20 12:00Z', ?, 'phone')""", user, 1000 + user);
		}
	}

	@AfterAll
	static void stop() throws IOException {
		postgres.close();
	}

	@Test
	void readsOnlyTheUsersOfItsShard() {
		assertThat(userIds(read(reader(null, 1, 3)))).containsExactly(-2L, 1L, 4L);
	}

	/**
	 * A listed user of another shard is that shard's: handed out here without its
	 * readings (which the shard filter keeps out), its scores would be written as none,
	 * and the score writer would delete the rows that the other shard writes.
	 */
	@Test
	void readsOnlyTheListedUsersOfItsShard() {
		List<ScoringWork> work = read(reader(new long[] { -3, -2, 1, 2, 3, 4, 5 }, 1, 3));
		assertThat(userIds(work)).containsExactly(-2L, 1L, 4L);
		assertThat(work).allSatisfy((user) -> assertThat(user.inputs().readings()).extracting(Reading::value)
			.containsExactly(1000.0 + user.inputs().userId()));
	}

	@Test
	void readsNothingWhenNoListedUserIsInItsShard() {
		assertThat(read(reader(new long[] { 2, 5 }, 1, 3))).isEmpty();
	}

	/**
	 * Blocks read from the primary are counted as their last user is handed out, and a
	 * restart carries the count on: the blocks read before a failure are not lost, nor
	 * those read ahead counted twice.
	 */
	@Test
	void countsTheBlocksReadFromThePrimaryAcrossARestart() {
		ExecutionContext context = new ExecutionContext();
		context.putLong("reader.blocksFromPrimary", 5);
		UserReadingsItemReader first = fromPrimary();
		first.open(context);
		List<Long> read = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			read.add(first.read().inputs().userId());
		}
		first.update(context);
		first.close();
		// users -3..0 handed out, and 1 of 1..4: one more block; 1..4 and 5..6 read
		// ahead
		assertThat(context.getLong("reader.blocksFromPrimary")).isEqualTo(6);
		UserReadingsItemReader second = fromPrimary();
		second.open(context);
		for (ScoringWork work = second.read(); work != null; work = second.read()) {
			read.add(work.inputs().userId());
		}
		second.update(context);
		second.close();
		assertThat(read).containsExactly(-3L, -2L, -1L, 0L, 1L, 2L, 3L, 4L, 5L, 6L);
		// then 2..4 and 5..6
		assertThat(context.getLong("reader.blocksFromPrimary")).isEqualTo(8);
	}

	/**
	 * A NULL value is a reading without a value, rejected for that reason: read as a
	 * stored NaN, it was quarantined as "not finite". It is still never scored.
	 */
	@Test
	void readsANullValueAsAReadingWithoutAValueThatScoringRejectsForThatReason() {
		long user = 1000;
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		jdbc.update("INSERT INTO app_user (user_id, time_zone) VALUES (?, 'UTC')", user);
		try {
			jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					VALUES (?, 'steps', '2025-03-20 12:00Z', NULL, 'phone'),
					       (?, 'steps', '2025-03-20 13:00Z', 'NaN', 'phone')""", user, user);
			List<ScoringWork> work = read(reader(new long[] { user }, 0, 1));
			assertThat(work).singleElement().satisfies((read) -> {
				UserScores scores = new HealthScoreV1().score(read.inputs());
				assertThat(scores.scores()).isEmpty();
				assertThat(scores.rejections()).extracting((rejection) -> rejection.reason().code())
					.containsExactlyInAnyOrder("null_value", "not_finite");
			});
		}
		finally {
			jdbc.update("DELETE FROM health_reading WHERE user_id = ?", user);
			jdbc.update("DELETE FROM app_user WHERE user_id = ?", user);
		}
	}

	/**
	 * A time zone that is not an IANA zone id fails the block, naming the user, the value
	 * and what to fix, instead of Java's bare "Unknown time-zone ID".
	 */
	@Test
	void failsOnAUserWithAnInvalidTimeZoneNamingTheUserTheValueAndWhatToFix() {
		long user = 1001;
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		jdbc.update("INSERT INTO app_user (user_id, time_zone) VALUES (?, 'Mars/Olympus')", user);
		try {
			assertThatException().isThrownBy(() -> read(reader(new long[] { user }, 0, 1)))
				.withMessageContaining("User 1001 has app_user.time_zone 'Mars/Olympus'")
				.withMessageContaining("not an IANA time zone id")
				.withMessageContaining("set it to an IANA zone id such as 'Europe/Paris'");
		}
		finally {
			jdbc.update("DELETE FROM app_user WHERE user_id = ?", user);
		}
	}

	/**
	 * A deleted user's time zone is not read: one that is no zone id fails nothing, and
	 * every reading of theirs is rejected as a deleted user's.
	 */
	@Test
	void readsADeletedUserWhoseTimeZoneIsNoZoneIdWithoutReadingTheirZone() {
		long user = 1002;
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		jdbc.update("INSERT INTO app_user (user_id, time_zone, deleted_at) VALUES (?, 'UTC+3', now())", user);
		try {
			jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					VALUES (?, 'steps', '2025-03-20 12:00Z', 1000, 'phone')""", user);
			List<ScoringWork> work = read(reader(new long[] { user }, 0, 1));
			assertThat(work).singleElement().satisfies((read) -> {
				assertThat(read.inputs().user().deleted()).isTrue();
				assertThat(read.inputs().user().timeZone()).isNull();
				UserScores scores = new HealthScoreV1().score(read.inputs());
				assertThat(scores.scores()).isEmpty();
				assertThat(scores.rejections()).extracting((rejection) -> rejection.reason().code())
					.containsExactly("deleted_user");
			});
		}
		finally {
			jdbc.update("DELETE FROM health_reading WHERE user_id = ?", user);
			jdbc.update("DELETE FROM app_user WHERE user_id = ?", user);
		}
	}

	private static UserReadingsItemReader fromPrimary() {
		HealthScoreV1 algorithm = new HealthScoreV1();
		return UserReadingsItemReader.builder()
			.name("reader")
			.readSource(() -> new ReadSource(dataSource, true, Instant.now()))
			.days(DAY, DAY)
			.lookbackDays(algorithm.lookbackDays())
			.metrics(algorithm.inputMetrics())
			.blockSize(4)
			.build();
	}

	private static UserReadingsItemReader reader(long[] users, int shardIndex, int shardCount) {
		HealthScoreV1 algorithm = new HealthScoreV1();
		return UserReadingsItemReader.builder()
			.name("reader")
			.dataSource(dataSource)
			.days(DAY, DAY)
			.lookbackDays(algorithm.lookbackDays())
			.metrics(algorithm.inputMetrics())
			.blockSize(2)
			.users(users)
			.shard(shardIndex, shardCount)
			.build();
	}

	private static List<ScoringWork> read(UserReadingsItemReader reader) {
		reader.open(new ExecutionContext());
		try {
			List<ScoringWork> all = new ArrayList<>();
			for (ScoringWork work = reader.read(); work != null; work = reader.read()) {
				all.add(work);
			}
			return all;
		}
		finally {
			reader.close();
		}
	}

	private static List<Long> userIds(List<ScoringWork> work) {
		return work.stream().map((user) -> user.inputs().userId()).toList();
	}

}
