package dev.healthscore.io.reconcile;

import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import javax.sql.DataSource;

import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.ScoreInputs;
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
 * {@link SuspectReadingsItemReader} hands out every user with suspects once, in user id
 * order, however many blocks are read at once, and resumes after the last user handed
 * out.
 */
class SuspectReadingsItemReaderIntegrationTests {

	private static final long INSTANCE = 41;

	private static final LocalDate DAY = LocalDate.parse("2025-03-20");

	private static final List<Long> USERS_WITH_SUSPECTS = List.of(3L, 5L, 6L, 8L, 9L, 12L, 14L);

	/** A run whose users each have readings of sources no other user has. */
	private static final long MANY_SOURCES_INSTANCE = INSTANCE + 10;

	private static final int SOURCES_PER_USER = 20;

	/** A run whose one suspect user has a reading with a NULL value and a NaN one. */
	private static final long NULL_VALUE_INSTANCE = INSTANCE + 20;

	/** A run whose one suspect user has a time zone that is not an IANA zone id. */
	private static final long INVALID_ZONE_INSTANCE = INSTANCE + 30;

	/**
	 * A run whose one suspect user is deleted and has a time zone that is not an IANA
	 * zone id.
	 */
	private static final long DELETED_INVALID_ZONE_INSTANCE = INSTANCE + 40;

	private static TemporaryPostgres postgres;

	private static DataSource dataSource;

	@BeforeAll
	static void start() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder());
		dataSource = postgres.getPostgresDatabase();
		Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		jdbc.execute("SELECT healthscore_ensure_partitions('health_reading', '2025-02-01', '2025-03-01')");
		for (long user = 1; user <= 15; user++) {
			jdbc.update("INSERT INTO app_user (user_id, time_zone) VALUES (?, 'Europe/Paris')", user);
			jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					VALUES (?, 'steps', '2025-03-20 12:00+01', ?, 'phone'),
					       (?, 'resting_heart_rate', '2025-03-01 07:00+01', 58, 'watch'),
					       (?, 'heart_rate', '2025-03-20 12:00+01', 90, 'watch')""", user, 1000 * user, user, user);
		}
		for (long user = 101; user <= 300; user++) {
			jdbc.update("INSERT INTO app_user (user_id, time_zone) VALUES (?, 'UTC')", user);
			jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					SELECT ?, 'steps', '2025-03-20 12:00Z', k, 'device-' || ? || '-' || k
					FROM generate_series(1, ?) AS k""", user, user, SOURCES_PER_USER);
			jdbc.update("INSERT INTO reconcile_suspect VALUES (?, ?, ?, ARRAY['late_data'])", MANY_SOURCES_INSTANCE,
					user, DAY);
		}
		jdbc.update("INSERT INTO app_user (user_id, time_zone) VALUES (400, 'UTC'), (401, 'Mars/Olympus')");
		jdbc.update("""
				INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
				VALUES (400, 'steps', '2025-03-20 12:00Z', NULL, 'phone'),
				       (400, 'steps', '2025-03-20 13:00Z', 'NaN', 'phone'),
				       (401, 'steps', '2025-03-20 12:00Z', 1000, 'phone')""");
		jdbc.update("INSERT INTO reconcile_suspect VALUES (?, 400, ?, ARRAY['late_data'])", NULL_VALUE_INSTANCE, DAY);
		jdbc.update("INSERT INTO reconcile_suspect VALUES (?, 401, ?, ARRAY['late_data'])", INVALID_ZONE_INSTANCE, DAY);
		jdbc.update("INSERT INTO app_user (user_id, time_zone, deleted_at) VALUES (402, 'UTC+3', now())");
		jdbc.update("""
				INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
				VALUES (402, 'steps', '2025-03-20 12:00Z', 1000, 'phone')""");
		jdbc.update("INSERT INTO reconcile_suspect VALUES (?, 402, ?, ARRAY['user_deleted'])",
				DELETED_INVALID_ZONE_INSTANCE, DAY);
		// another run's suspects are not this one's
		jdbc.update("INSERT INTO reconcile_suspect VALUES (?, 2, ?, ARRAY['late_data'])", INSTANCE + 1, DAY);
		for (long user : USERS_WITH_SUSPECTS) {
			jdbc.update("INSERT INTO reconcile_suspect VALUES (?, ?, ?, ARRAY['late_data'])", INSTANCE, user, DAY);
			if (user % 2 == 0) {
				jdbc.update("INSERT INTO reconcile_suspect VALUES (?, ?, ?, ARRAY['changed_input', 'late_data'])",
						INSTANCE, user, DAY.plusDays(1));
			}
		}
	}

	@AfterAll
	static void stop() throws IOException {
		postgres.close();
	}

	@Test
	void readsEveryUserWithSuspectsOnceInUserIdOrderWhileReadingSeveralBlocksAtOnce() {
		SuspectReadingsItemReader<ReconcileWork> reader = reader(2, 3);
		ExecutionContext context = new ExecutionContext();
		reader.open(context);
		List<ReconcileWork> work = readAll(reader);
		reader.update(context);
		reader.close();
		// 3 and 5, 6 and 8, 9 and 12, 14
		assertThat(blocks(context)).containsExactly(4, 4);
		assertThat(work).extracting(ReconcileWork::userId).containsExactlyElementsOf(USERS_WITH_SUSPECTS);
		for (ReconcileWork user : work) {
			List<LocalDate> days = (user.userId() % 2 == 0) ? List.of(DAY, DAY.plusDays(1)) : List.of(DAY);
			assertThat(user.suspects().keySet()).containsExactlyElementsOf(days);
			assertThat(user.inputs()).singleElement().satisfies((inputs) -> {
				assertThat(inputs.firstDay()).isEqualTo(DAY);
				assertThat(inputs.readings()).extracting((reading) -> reading.metric().columnValue())
					.containsExactlyInAnyOrder("steps", "resting_heart_rate");
				assertThat(inputs.readings()).extracting(Reading::userId).containsOnly(user.userId());
			});
		}
		assertThat(work.get(5).suspects().get(DAY.plusDays(1))).containsExactly("changed_input", "late_data");
	}

	/**
	 * Blocks read at once each meet sources not seen before: every reading keeps its own
	 * source (a decoder shared by the read threads lost or swapped the sources it was
	 * learning, or failed on a half-grown dictionary).
	 */
	@Test
	void everyReadingKeepsItsSourceWhileSeveralBlocksMeetNewSourcesAtOnce() {
		SuspectReadingsItemReader<ReconcileWork> reader = new SuspectReadingsItemReader<>("reader", dataSource,
				primaryOnly(), MANY_SOURCES_INSTANCE, new HealthScoreV1(), 1, 4, Function.identity());
		reader.open(new ExecutionContext());
		List<ReconcileWork> work = readAll(reader);
		reader.close();
		assertThat(work).hasSize(200);
		for (ReconcileWork user : work) {
			List<Reading> readings = user.inputs().get(0).readings();
			assertThat(readings).hasSize(SOURCES_PER_USER)
				.allSatisfy((reading) -> assertThat(reading.source())
					.isEqualTo("device-" + user.userId() + "-" + (long) reading.value()));
		}
	}

	@Test
	void resumesAfterTheLastUserHandedOut() {
		ExecutionContext context = new ExecutionContext();
		SuspectReadingsItemReader<ReconcileWork> first = reader(2, 2);
		first.open(context);
		List<Long> read = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			read.add(first.read().userId());
		}
		first.update(context);
		first.close();
		// 3 and 5 handed out, 6 of 6 and 8 too; the blocks read ahead do not count
		assertThat(blocks(context)).containsExactly(1, 1);
		SuspectReadingsItemReader<ReconcileWork> second = reader(3, 1);
		second.open(context);
		readAll(second).forEach((work) -> read.add(work.userId()));
		second.update(context);
		second.close();
		assertThat(read).containsExactlyElementsOf(USERS_WITH_SUSPECTS);
		// then 8, 9 and 12, and 14
		assertThat(blocks(context)).containsExactly(3, 3);
	}

	@Test
	void readsNothingWhenTheRunHasNoSuspects() {
		SuspectReadingsItemReader<ReconcileWork> reader = new SuspectReadingsItemReader<>("reader", dataSource,
				primaryOnly(), INSTANCE + 2, new HealthScoreV1(), 2, 2, Function.identity());
		reader.open(new ExecutionContext());
		assertThat(reader.read()).isNull();
		assertThat(reader.read()).isNull();
		reader.close();
	}

	/**
	 * A NULL value is a reading without a value, rejected for that reason: read as a
	 * stored NaN, it was quarantined as "not finite". It is still never scored.
	 */
	@Test
	void readsANullValueAsAReadingWithoutAValueThatScoringRejectsForThatReason() {
		SuspectReadingsItemReader<ReconcileWork> reader = new SuspectReadingsItemReader<>("reader", dataSource,
				primaryOnly(), NULL_VALUE_INSTANCE, new HealthScoreV1(), 2, 1, Function.identity());
		reader.open(new ExecutionContext());
		List<ReconcileWork> work = readAll(reader);
		reader.close();
		assertThat(work).singleElement().satisfies((user) -> {
			UserScores scores = new HealthScoreV1().score(user.inputs().get(0));
			assertThat(scores.scores()).isEmpty();
			assertThat(scores.rejections()).extracting((rejection) -> rejection.reason().code())
				.containsExactlyInAnyOrder("null_value", "not_finite");
		});
	}

	/**
	 * A time zone that is not an IANA zone id fails the block, naming the user, the value
	 * and what to fix, instead of Java's bare "Unknown time-zone ID".
	 */
	@Test
	void failsOnAUserWithAnInvalidTimeZoneNamingTheUserTheValueAndWhatToFix() {
		SuspectReadingsItemReader<ReconcileWork> reader = new SuspectReadingsItemReader<>("reader", dataSource,
				primaryOnly(), INVALID_ZONE_INSTANCE, new HealthScoreV1(), 2, 1, Function.identity());
		try {
			assertThatException().isThrownBy(() -> {
				reader.open(new ExecutionContext());
				readAll(reader);
			})
				.withMessageContaining("User 401 has app_user.time_zone 'Mars/Olympus'")
				.withMessageContaining("not an IANA time zone id")
				.withMessageContaining("set it to an IANA zone id such as 'Europe/Paris'");
		}
		finally {
			reader.close();
		}
	}

	/**
	 * A deleted user's time zone is not read: one that is no zone id fails nothing, and
	 * their suspect days score to nothing, so that their rows are deleted as orphans.
	 */
	@Test
	void readsADeletedUserWhoseTimeZoneIsNoZoneIdWithoutReadingTheirZone() {
		SuspectReadingsItemReader<ReconcileWork> reader = new SuspectReadingsItemReader<>("reader", dataSource,
				primaryOnly(), DELETED_INVALID_ZONE_INSTANCE, new HealthScoreV1(), 2, 1, Function.identity());
		reader.open(new ExecutionContext());
		List<ReconcileWork> work = readAll(reader);
		reader.close();
		assertThat(work).singleElement().satisfies((user) -> {
			assertThat(user.userId()).isEqualTo(402);
			assertThat(user.user().deleted()).isTrue();
			assertThat(user.user().timeZone()).isNull();
			assertThat(user.suspects().keySet()).containsExactly(DAY);
			assertThat(user.inputs()).singleElement()
				.satisfies((inputs) -> assertThat(new HealthScoreV1().score(inputs).scores()).isEmpty());
		});
	}

	private static SuspectReadingsItemReader<ReconcileWork> reader(int blockSize, int readThreads) {
		return new SuspectReadingsItemReader<>("reader", dataSource, primaryOnly(), INSTANCE, new HealthScoreV1(),
				blockSize, readThreads, Function.identity());
	}

	/** The blocks read, and of them from the primary, as saved in the context. */
	private static List<Integer> blocks(ExecutionContext context) {
		return List.of(context.getInt("reader." + SuspectReadingsItemReader.BLOCKS),
				context.getInt("reader." + SuspectReadingsItemReader.BLOCKS_FROM_PRIMARY));
	}

	private static ReplicaGate primaryOnly() {
		return ReplicaGate.builder().primary(dataSource).build();
	}

	private static List<ReconcileWork> readAll(SuspectReadingsItemReader<ReconcileWork> reader) {
		List<ReconcileWork> all = new ArrayList<>();
		for (ReconcileWork work = reader.read(); work != null; work = reader.read()) {
			all.add(work);
		}
		return all;
	}

}
