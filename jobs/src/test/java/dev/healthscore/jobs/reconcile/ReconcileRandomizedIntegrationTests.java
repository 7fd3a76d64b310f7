package dev.healthscore.jobs.reconcile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.ScoreAssertions;
import dev.healthscore.io.embedded.TemporaryPostgres;
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

	private static final RandomInputChanges CHANGES = new RandomInputChanges(FIRST.minusDays(DAYS_BEFORE),
			30 + DAYS_BEFORE, new AtomicLong(7001)::getAndIncrement);

	private static TemporaryPostgres postgres;

	private static HikariDataSource dataSource;

	private static JdbcTemplate jdbc;

	private final ReconcileScenario scenario = new ReconcileScenario(dataSource);

	private final List<String> log = new ArrayList<>();

	@BeforeAll
	static void generateAndRecompute() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
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

	/**
	 * One random change of the inputs, as the app would make it; a statement the database
	 * refuses (a moved reading onto a key taken) changes nothing, as the app's.
	 */
	private void change(Random random) {
		try {
			this.log.add("  " + CHANGES.change(jdbc, this.scenario, random));
		}
		catch (DataIntegrityViolationException ex) {
			note("refused: %s", ex.getMostSpecificCause().getMessage());
		}
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
