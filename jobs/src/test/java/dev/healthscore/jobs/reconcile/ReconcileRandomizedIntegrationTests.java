package dev.healthscore.jobs.reconcile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.ScoreAssertions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Changes the inputs of scored days at random, round after round, the ways the app can
 * (readings arriving late for any metric and day, including the baseline's days before
 * the range; readings deleted, changed in place or moved to another day; users created,
 * soft- and hard-deleted, undeleted, given another step goal or time zone; readings of a
 * user id that exists only later), and after each round checks that an incremental
 * reconcile leaves every score equal to the independent SQL computation of the
 * definition, audits each changed row once, and that a second run, and every other round
 * a {@code --full} check, find nothing left to correct.
 * <p>
 * The seed is fixed so that a failure repeats; {@code -Dreconcile.random.seed=N} and
 * {@code -Dreconcile.random.rounds=N} run other or longer sequences.
 */
class ReconcileRandomizedIntegrationTests {

	private static final LocalDate LAST = LocalDate.parse("2025-03-10");

	private static final LocalDate FIRST = LAST.minusDays(29);

	/** The generated readings start this many days before {@link #FIRST}. */
	private static final int DAYS_BEFORE = 5;

	private static final String[] METRICS = { "steps", "active_minutes", "sleep_minutes", "resting_heart_rate",
			"heart_rate" };

	private static final String[] SOURCES = { "phone", "watch", "late-band" };

	/** Zones with half- and quarter-hour offsets, both hemispheres' DST, and ±12/14. */
	private static final String[] ZONES = { "UTC", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
			"Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "America/St_Johns", "Europe/Berlin" };

	private static EmbeddedPostgres postgres;

	private static HikariDataSource dataSource;

	private static JdbcTemplate jdbc;

	private final ReconcileScenario scenario = new ReconcileScenario(dataSource);

	private final List<String> log = new ArrayList<>();

	private long nextUserId = 7001;

	@BeforeAll
	static void generateAndRecompute() throws IOException {
		postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
		dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
		dataSource.setUsername("postgres");
		jdbc = new JdbcTemplate(dataSource);
		assertThat(app("generate", "--users=40", "--days=" + (30 + DAYS_BEFORE), "--seed=23", "--end=" + LAST))
			.isZero();
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		postgres.close();
	}

	@Test
	void everyRoundOfRandomChangesIsReconciledExactlyAndOnce(@TempDir Path dir) {
		long seed = Long.getLong("reconcile.random.seed", 20261127L);
		int rounds = Integer.getInteger("reconcile.random.rounds", 5);
		Random random = new Random(seed);
		for (int round = 1; round <= rounds; round++) {
			this.log.add("round " + round + " (seed " + seed + "):");
			int changes = 8 + random.nextInt(10);
			for (int i = 0; i < changes; i++) {
				change(random);
			}
			this.scenario.snapshotScores();
			Path report = dir.resolve("round-" + round + ".json");
			assertThat(reconcile("--report=" + report)).as(this::history).isZero();
			assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).as(this::history).isEmpty();
			long job = this.scenario.lastReconcile();
			List<String> changed = this.scenario.changedRows();
			assertThat(this.scenario.corrections(job)).as(this::history).isEqualTo(changed);
			assertThat(ReconcileScenario.readReport(report).get("corrected").asLong()).as(this::history)
				.isEqualTo(changed.size());
			Path second = dir.resolve("round-" + round + "-again.json");
			assertThat(reconcile("--report=" + second)).as(this::history).isZero();
			JsonNode again = ReconcileScenario.readReport(second);
			assertThat(again.get("corrected").asLong()).as(this::history).isZero();
			assertThat(again.get("refreshed").asLong()).as(this::history).isZero();
			if (round % 2 == 0) {
				Path full = dir.resolve("round-" + round + "-full.json");
				assertThat(reconcile("--full", "--report=" + full)).as(this::history).isZero();
				JsonNode check = ReconcileScenario.readReport(full);
				assertThat(check.get("corrected").asLong()).as(this::history).isZero();
				assertThat(check.get("refreshed").asLong()).as(this::history).isZero();
			}
		}
		// the rounds changed something: not a sequence that only touched nothing
		assertThat(this.scenario.count("SELECT count(*) FROM score_correction")).as(this::history).isPositive();
	}

	/** One random change of the inputs, as the app would make it. */
	private void change(Random random) {
		List<Long> live = this.scenario.liveUsers();
		long user = live.get(random.nextInt(live.size()));
		LocalDate day = FIRST.minusDays(DAYS_BEFORE).plusDays(random.nextInt(30 + DAYS_BEFORE));
		String metric = METRICS[random.nextInt(METRICS.length)];
		int kind = random.nextInt(100);
		if (kind < 40) {
			double value = value(metric, random);
			String time = String.format(Locale.ROOT, "%02d:%02d:%02d", random.nextInt(24), random.nextInt(60),
					random.nextInt(60));
			String source = SOURCES[random.nextInt(SOURCES.length)];
			int rows = jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					SELECT user_id, ?, (CAST(? AS date) + CAST(? AS time)) AT TIME ZONE time_zone, ?, ?
					FROM app_user WHERE user_id = ?
					ON CONFLICT DO NOTHING""", metric, day, time, value, source, user);
			note("late %s %s=%s at %s %s from %s: %d row", user, metric, value, day, time, source, rows);
		}
		else if (kind < 50) {
			note("delete %s's %s of %s: %d rows", user, metric, day, this.scenario.deleteReadings(user, metric, day));
		}
		else if (kind < 54) {
			note("delete %s's readings of %s: %d rows", user, day, this.scenario.deleteDay(user, day));
		}
		else if (kind < 62) {
			double factor = 0.5 + random.nextInt(16) / 10.0;
			note("multiply %s's %s of %s by %s: %d rows", user, metric, day, factor,
					this.scenario.changeValues(user, metric, day, factor));
		}
		else if (kind < 67) {
			LocalDate to = day.plusDays(random.nextInt(7) - 3);
			try {
				note("move %s's readings of %s to %s: %d rows", user, day, to, this.scenario.moveDay(user, day, to));
			}
			catch (DataIntegrityViolationException ex) {
				// a reading of the same key on the other day: the app's UPDATE fails too
				note("move %s's readings of %s to %s: refused (same key)", user, day, to);
			}
		}
		else if (kind < 72) {
			int goal = 3000 + 500 * random.nextInt(30);
			this.scenario.changeStepGoal(user, goal);
			note("goal of %s: %s", user, goal);
		}
		else if (kind < 78) {
			String zone = ZONES[random.nextInt(ZONES.length)];
			this.scenario.setTimeZone(user, zone);
			note("zone of %s: %s", user, zone);
		}
		else if (kind < 83) {
			this.scenario.softDelete(user);
			note("soft-delete %s", user);
		}
		else if (kind < 87) {
			List<Long> deleted = jdbc
				.queryForList("SELECT user_id FROM app_user WHERE deleted_at IS NOT NULL ORDER BY user_id", Long.class);
			if (!deleted.isEmpty()) {
				long back = deleted.get(random.nextInt(deleted.size()));
				this.scenario.undelete(back);
				note("undelete %s", back);
			}
		}
		else if (kind < 89) {
			this.scenario.hardDelete(user);
			note("hard-delete %s", user);
		}
		else if (kind < 95) {
			long created = this.nextUserId++;
			String zone = ZONES[random.nextInt(ZONES.length)];
			this.scenario.createUser(created, zone, 4000 + 1000 * random.nextInt(8));
			for (int d = 0; d < 3; d++) {
				LocalDate at = day.plusDays(d);
				this.scenario.lateReading(created, "steps", at, "11:00", 1000 + random.nextInt(9000));
				this.scenario.lateReading(created, "resting_heart_rate", at, "06:30", 50 + random.nextInt(20));
			}
			note("new user %s in %s with 3 days from %s", created, zone, day);
		}
		else {
			// readings of a user id that exists only from a later round on (or never)
			long ghost = 9000 + random.nextInt(3);
			String at = day + "T12:00:00Z";
			int rows = jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					VALUES (?, 'steps', CAST(? AS timestamptz), ?, 'phone') ON CONFLICT DO NOTHING""", ghost, at,
					1000 + random.nextInt(5000));
			int users = 0;
			if (random.nextBoolean()) {
				users = jdbc.update("""
						INSERT INTO app_user (user_id, time_zone, daily_step_goal) VALUES (?, ?, 8000)
						ON CONFLICT DO NOTHING""", ghost - 1, ZONES[random.nextInt(ZONES.length)]);
			}
			note("reading of user id %s at %s: %d row; user %s created: %d", ghost, at, rows, ghost - 1, users);
		}
	}

	/** A value of the metric: mostly valid, sometimes out of range or not finite. */
	private static double value(String metric, Random random) {
		int draw = random.nextInt(20);
		if (draw == 0) {
			return Double.NaN;
		}
		if (draw == 1) {
			return -1;
		}
		return switch (metric) {
			case "steps" -> random.nextInt(12_000);
			case "active_minutes" -> random.nextInt(90) + 0.5 * random.nextInt(2);
			case "sleep_minutes" -> 200 + random.nextInt(400);
			default -> 40 + random.nextInt(60);
		};
	}

	private void note(String format, Object... args) {
		this.log.add("  " + String.format(Locale.ROOT, format, args));
	}

	private String history() {
		return String.join("\n", this.log);
	}

	private static int reconcile(String... options) {
		List<String> args = new ArrayList<>(List.of("run", "reconcile", "--from=" + FIRST, "--to=" + LAST));
		args.addAll(List.of(options));
		return app(args.toArray(String[]::new));
	}

	private static int app(String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.add("--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"));
		all.add("--spring.datasource.username=postgres");
		all.add("--healthscore.recompute.chunk-size=25");
		all.add("--healthscore.reconcile.chunk-size=25");
		all.add("--healthscore.reconcile.segment-users=20");
		all.add("--healthscore.reconcile.leaf-width=4");
		return HealthScoreApplication.run(all.toArray(String[]::new));
	}

}
