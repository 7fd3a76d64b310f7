package dev.healthscore.jobs.reconcile;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.ScoreAssertions;
import dev.healthscore.jobs.WriteGate;
import dev.healthscore.jobs.embedded.EmbeddedPostgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app writes while {@code recompute} and {@code reconcile} run: once it stops, one
 * more incremental reconcile leaves every score equal to the independent SQL computation
 * of the definition (DESIGN.md section 4, "Accuracy"), whatever moment each change
 * committed at, and a further run corrects nothing.
 * <p>
 * The soak runs app writer threads that make random changes the ways the app can (late
 * readings of every metric, resting heart rates included; deleted readings; values
 * changed in place; readings moved to another day; step goal and time zone changes; users
 * created, soft- and hard-deleted, undeleted), in short transactions, in transactions
 * held open for seconds after their changes, and in transactions whose timestamps
 * ({@code ingested_at}'s default and the change log's {@code changed_at}: the
 * transaction's start) are taken seconds before they change and commit anything (the "old
 * timestamp, late commit" that the ingest margin is for), a quarter of them with
 * {@code synchronous_commit} off (visible before their WAL is written, and so before a
 * replica can replay them), pausing and resuming at random, while the test thread runs
 * recompute and incremental reconcile over the range, reading from the primary, then from
 * the streaming replica. The seed is fixed so that the sequence of choices repeats (the
 * interleavings do not); {@code -Dconcurrent.random.seed=N},
 * {@code -Dconcurrent.random.rounds=N}, {@code -Dconcurrent.random.writers=N} and
 * {@code -Dconcurrent.ingest-margin=0s} run other, longer or margin-less soaks; a failure
 * prints the history of commits and runs.
 * <p>
 * The moments randomness cannot be counted on to hit are held open with advisory lock
 * gates ({@link WriteGate}): a change committed between a block's read and its write, of
 * recompute and of reconcile, and a change stamped before a reconcile's detection and
 * committed while the detection's transaction is open, or after the run's checkpoint. The
 * ingest margin is what finds the latter: without it (margin 0) the change is missed for
 * good by incremental runs (until one with a margin), as the design allows for changes
 * that commit longer than the margin after their timestamp.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConcurrentWritesIntegrationTests {

	private static final LocalDate LAST = LocalDate.parse("2025-03-10");

	private static final LocalDate FIRST = LAST.minusDays(29);

	/** The generated readings start this many days before {@link #FIRST}. */
	private static final int DAYS_BEFORE = 5;

	private static EmbeddedPostgresCluster cluster;

	private static HikariDataSource dataSource;

	private static JdbcTemplate jdbc;

	/** Whether the jobs read from the streaming replica, as in production. */
	private static volatile boolean fromReplica;

	/** How many users the tests of late commits took, one per change. */
	private static final AtomicInteger picked = new AtomicInteger();

	/** User ids the writers create; apart from the generator's. */
	private static final AtomicLong nextUserId = new AtomicLong(7001);

	private static final RandomInputChanges CHANGES = new RandomInputChanges(FIRST.minusDays(DAYS_BEFORE),
			30 + DAYS_BEFORE, nextUserId::getAndIncrement);

	private final long started = System.nanoTime();

	private final List<String> log = Collections.synchronizedList(new ArrayList<>());

	private final ReconcileScenario scenario = new ReconcileScenario(dataSource);

	@BeforeAll
	static void generateAndRecompute() throws IOException {
		cluster = EmbeddedPostgresCluster.start();
		dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(cluster.primaryJdbcUrl());
		dataSource.setUsername(EmbeddedPostgresCluster.USERNAME);
		dataSource.setMaximumPoolSize(12);
		jdbc = new JdbcTemplate(dataSource);
		assertThat(app("generate", "--users=40", "--days=" + (30 + DAYS_BEFORE), "--seed=29", "--end=" + LAST))
			.isZero();
		assertThat(app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		cluster.close();
	}

	/** Each test starts from exact scores: what one left behind is reconciled here. */
	@AfterEach
	void reconcileWhatIsLeft() {
		assertThat(reconcile()).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).as(this::history).isEmpty();
	}

	@ParameterizedTest(name = "jobs read from the replica: {0}")
	@Order(3)
	@ValueSource(booleans = { false, true })
	void scoresAreExactAfterOneReconcileOnceTheAppStopsWritingDuringRuns(boolean replica, @TempDir Path dir)
			throws Exception {
		fromReplica = replica;
		try {
			soak(dir);
		}
		finally {
			fromReplica = false;
		}
	}

	private void soak(Path dir) throws Exception {
		long seed = Long.getLong("concurrent.random.seed", 20261127L);
		int rounds = Integer.getInteger("concurrent.random.rounds", 5);
		int writerCount = Integer.getInteger("concurrent.random.writers", 3);
		String margin = System.getProperty("concurrent.ingest-margin");
		String[] marginOption = (margin != null) ? new String[] { "--healthscore.reconcile.ingest-margin=" + margin }
				: new String[0];
		Random random = new Random(seed);
		note("seed %d, %d rounds, %d writers, ingest margin %s, reading from the %s", seed, rounds, writerCount,
				(margin != null) ? margin : "default", fromReplica ? "replica" : "primary");
		Writers writers = new Writers(writerCount, random.nextLong());
		writers.start();
		try {
			for (int round = 1; round <= rounds; round++) {
				writers.paused = random.nextInt(5) == 0;
				sleep(random.nextInt(400));
				boolean recompute = random.nextInt(3) == 0;
				note("round %d: %s starts%s", round, recompute ? "recompute" : "reconcile",
						writers.paused ? " (writers paused)" : "");
				int exitCode = recompute ? app("run", "recompute", "--from=" + FIRST, "--to=" + LAST)
						: reconcile(marginOption);
				note("round %d: %s ended with %d", round, recompute ? "recompute" : "reconcile", exitCode);
				assertThat(exitCode).as(this::history).isZero();
				writers.paused = false;
			}
		}
		finally {
			writers.stop();
		}
		assertThat(writers.failure.get()).as(this::history).isNull();
		// the writers did commit, and some commits came late after old timestamps
		assertThat(writers.commits.get()).as(this::history).isPositive();
		assertThat(writers.lateCommits.get()).as(this::history).isPositive();
		note("writers stopped: %d commits (%d of them late after an old timestamp), %d rolled back",
				writers.commits.get(), writers.lateCommits.get(), writers.rollbacks.get());
		Path last = dir.resolve("final.json");
		assertThat(reconcile(with(marginOption, "--report=" + last))).as(this::history).isZero();
		note("final reconcile: %s", ReconcileScenario.readReport(last));
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).as(this::history).isEmpty();
		assertAFurtherRunCorrectsNothing(dir, marginOption);
	}

	/**
	 * A change committed while a run holds a block it has read but not written yet: the
	 * run writes the score of what it read, stamped with its read's {@code inputs_as_of},
	 * and the next reconcile finds the change as later than that even without a margin
	 * (the change's timestamp is after the read), and so with any.
	 */
	@ParameterizedTest
	@Order(1)
	@CsvSource({ "recompute, 0s", "reconcile, 0s" })
	void aChangeCommittedBetweenABlocksReadAndItsWriteIsFoundByTheNextReconcile(String job, String margin,
			@TempDir Path dir) throws Exception {
		String marginOption = "--healthscore.reconcile.ingest-margin=" + margin;
		// the first two users: in the first block a run reads, and so in the block held
		// at the gate. A recompute scores its user-id ranges on one thread here: on two,
		// the gate may hold the other range's first write while this one still reads,
		// and a change stamped before that read's inputs_as_of and committed after its
		// snapshot is the late commit only the margin finds (not this test's window)
		List<Long> live = this.scenario.liveUsers();
		long user = live.get(0);
		long heart = live.get(1);
		// a day the user has sleep on, and one of a heart score a low resting heart rate
		// raises
		LocalDate sleepDay = jdbc.queryForObject("""
				SELECT max(score_date) FROM health_score WHERE user_id = ? AND sleep_score IS NOT NULL
				AND score_date < ?""", LocalDate.class, user, LAST.minusDays(3));
		LocalDate heartDay = jdbc.queryForObject("""
				SELECT max(score_date) FROM health_score WHERE user_id = ? AND heart_score < 90 AND score_date < ?""",
				LocalDate.class, heart, LAST.minusDays(3));
		if (job.equals("reconcile")) {
			// suspects to score and write
			this.scenario.lateReading(user, "steps", sleepDay, "12:00", 1);
			this.scenario.lateReading(heart, "steps", heartDay, "12:00", 1);
		}
		WriteGate.install(jdbc, "health_score");
		int exitCode;
		try {
			CompletableFuture<Integer> run;
			try (WriteGate gate = WriteGate.shut(dataSource)) {
				run = CompletableFuture
					.supplyAsync(() -> job.equals("recompute") ? app("run", "recompute", "--from=" + FIRST,
							"--to=" + LAST, "--healthscore.recompute.threads=1") : reconcile(marginOption));
				gate.awaitWriterHeld();
				assertThat(run).isNotDone();
				// short transactions of the app, committed while the first chunk's write
				// waits, changing the rows it holds
				assertThat(this.scenario.deleteReadings(user, "sleep_minutes", sleepDay)).isPositive();
				this.scenario.lateReading(heart, "resting_heart_rate", heartDay, "06:00", 26);
				note("sleep of %d on %s deleted and resting heart rate of %d on %s committed at the gate", user,
						sleepDay, heart, heartDay);
			}
			exitCode = run.get(120, TimeUnit.SECONDS);
		}
		finally {
			WriteGate.remove(jdbc, "health_score");
		}
		assertThat(exitCode).isZero();
		// the window was hit: the run wrote what it had read before the changes
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).as(this::history)
			.anyMatch((d) -> d.startsWith("user " + user + " day " + sleepDay + " "))
			.anyMatch((d) -> d.startsWith("user " + heart + " day " + heartDay + " "));
		Path report = dir.resolve("next.json");
		assertThat(reconcile(marginOption, "--report=" + report)).isZero();
		assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).isEmpty();
		assertAFurtherRunCorrectsNothing(dir, marginOption);
	}

	/**
	 * A change whose transaction started (its timestamp) before a reconcile's detection
	 * and committed later: while the detection's transaction is open (after its
	 * statements took their snapshots), or after the run recorded its checkpoint. The
	 * next run looks back the ingest margin before the checkpoint and finds it; without a
	 * margin the change is earlier than the checkpoint and no incremental run ever finds
	 * it (only {@code --full}): what the design says of a change that commits longer than
	 * the margin after its timestamp.
	 */
	@ParameterizedTest
	@Order(2)
	@CsvSource({ "late_reading, during_detection", "deleted_readings, after_checkpoint", "goal, during_detection" })
	void aChangeStampedBeforeTheDetectionAndCommittedLaterIsFoundWithinTheMarginOnly(String change, String commit,
			@TempDir Path dir) throws Exception {
		for (String margin : List.of("0s", "10m")) {
			String marginOption = "--healthscore.reconcile.ingest-margin=" + margin;
			// a user and day no other change touched: the first two users are the block
			// tests'
			long user = this.scenario.liveUsers().get(2 + picked.getAndIncrement());
			LocalDate day = jdbc.queryForObject("""
					SELECT max(score_date) FROM health_score WHERE user_id = ? AND sleep_score > 0
					AND score_date < ?""", LocalDate.class, user, LAST.minusDays(3));
			boolean gated = commit.equals("during_detection");
			if (gated) {
				WriteGate.install(jdbc, "reconcile_suspect");
			}
			int exitCode;
			try (Connection app = dataSource.getConnection()) {
				app.setAutoCommit(false);
				SingleConnectionDataSource transaction = new SingleConnectionDataSource(app, true);
				// the transaction's start is the timestamp of what it writes
				String stamp = new JdbcTemplate(transaction).queryForObject("SELECT now()::text", String.class);
				sleep(20);
				CompletableFuture<Integer> run;
				if (gated) {
					try (WriteGate gate = WriteGate.shut(dataSource)) {
						run = CompletableFuture.supplyAsync(() -> reconcile(marginOption));
						// the detection's statements took their snapshots
						gate.awaitWriterHeld();
						change(new ReconcileScenario(transaction), change, user, day);
						app.commit();
					}
				}
				else {
					change(new ReconcileScenario(transaction), change, user, day);
					run = CompletableFuture.completedFuture(reconcile(marginOption));
					app.commit();
				}
				exitCode = run.get(120, TimeUnit.SECONDS);
				note("margin %s: %s of %d on %s stamped %s, committed %s", margin, change, user, day, stamp, commit);
			}
			finally {
				if (gated) {
					WriteGate.remove(jdbc, "reconcile_suspect");
				}
			}
			assertThat(exitCode).isZero();
			List<String> wrong = ScoreAssertions.differences(jdbc, FIRST, LAST);
			assertThat(wrong).as(this::history).isNotEmpty().allMatch((d) -> d.startsWith("user " + user + " "));
			assertThat(reconcile(marginOption)).isZero();
			if (margin.equals("0s")) {
				// missed by the next run too: older than its window
				assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).as(this::history).isEqualTo(wrong);
				// with the margin, a run looks back far enough
				assertThat(reconcile()).isZero();
				assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).as(this::history).isEmpty();
			}
			else {
				assertThat(ScoreAssertions.differences(jdbc, FIRST, LAST)).as(this::history).isEmpty();
				assertAFurtherRunCorrectsNothing(dir, marginOption);
			}
		}
	}

	private static void change(ReconcileScenario app, String change, long user, LocalDate day) {
		switch (change) {
			case "late_reading" -> app.lateReading(user, "sleep_minutes", day, "13:00", 1_400);
			case "deleted_readings" -> assertThat(app.deleteReadings(user, "sleep_minutes", day)).isPositive();
			case "goal" -> app.changeStepGoal(user, 123_000 + (int) user);
			default -> throw new IllegalArgumentException(change);
		}
	}

	/** Runs reconcile again over the range: it corrects and refreshes nothing. */
	private void assertAFurtherRunCorrectsNothing(Path dir, String... options) {
		Path again = dir.resolve("again-" + System.nanoTime() + ".json");
		assertThat(reconcile(with(options, "--report=" + again))).as(this::history).isZero();
		JsonNode json = ReconcileScenario.readReport(again);
		assertThat(json.get("corrected").asLong()).as(this::history).isZero();
		assertThat(json.get("refreshed").asLong()).as(this::history).isZero();
	}

	/** App writer threads, each on a connection of its own. */
	private final class Writers {

		final List<Thread> threads = new ArrayList<>();

		final AtomicReference<Throwable> failure = new AtomicReference<>();

		final AtomicInteger commits = new AtomicInteger();

		final AtomicInteger lateCommits = new AtomicInteger();

		final AtomicInteger rollbacks = new AtomicInteger();

		volatile boolean paused;

		volatile boolean stopped;

		Writers(int count, long seed) {
			for (int i = 1; i <= count; i++) {
				Random random = new Random(seed + i);
				String name = "w" + i;
				Thread thread = new Thread(() -> write(name, random), "app-writer-" + i);
				thread.setDaemon(true);
				this.threads.add(thread);
			}
		}

		void start() {
			this.threads.forEach(Thread::start);
		}

		void stop() throws InterruptedException {
			this.stopped = true;
			for (Thread thread : this.threads) {
				thread.join(TimeUnit.SECONDS.toMillis(60));
				assertThat(thread.isAlive()).as(thread.getName() + " ended").isFalse();
			}
		}

		private void write(String name, Random random) {
			try (Connection connection = dataSource.getConnection()) {
				connection.setAutoCommit(false);
				SingleConnectionDataSource single = new SingleConnectionDataSource(connection, true);
				JdbcTemplate tx = new JdbcTemplate(single);
				ReconcileScenario app = new ReconcileScenario(single);
				boolean first = true;
				while (!this.stopped) {
					if (!first && (this.paused || random.nextInt(8) == 0)) {
						sleep(50 + random.nextInt(400));
						continue;
					}
					// each writer's first transaction commits late, whatever the timing
					int style = first ? 0 : random.nextInt(100);
					first = false;
					boolean late = style < 20;
					boolean held = !late && style < 35;
					List<String> changes = new ArrayList<>();
					String stamp = null;
					try {
						stamp = tx.queryForObject("SELECT to_char(now(), 'HH24:MI:SS.MS')", String.class);
						if (random.nextInt(4) == 0) {
							// as an app may for ingest: visible before its WAL is
							// written,
							// and so before a replica can replay it
							tx.execute("SET LOCAL synchronous_commit = off");
							changes.add("synchronous_commit off");
						}
						if (late) {
							// the timestamp is taken; the changes and the commit come
							// later
							sleep(300 + random.nextInt(2500));
						}
						int count = (style < 60) ? 1 : 2 + random.nextInt(4);
						for (int i = 0; i < count; i++) {
							changes.add(CHANGES.change(tx, app, random));
						}
						if (held) {
							sleep(300 + random.nextInt(2500));
						}
						connection.commit();
						this.commits.incrementAndGet();
						if (late) {
							this.lateCommits.incrementAndGet();
						}
						note("%s %s stamped %s committed: %s", name, late ? "late" : held ? "held" : "short", stamp,
								String.join("; ", changes));
					}
					catch (DataAccessException | SQLException ex) {
						// a deadlock between writers, a key taken: the app's transaction
						// fails too, and changes nothing
						connection.rollback();
						this.rollbacks.incrementAndGet();
						note("%s stamped %s rolled back (%s): %s", name, stamp, firstLine(ex),
								String.join("; ", changes));
					}
				}
			}
			catch (Throwable ex) {
				this.failure.compareAndSet(null, ex);
				note("%s failed: %s", name, ex);
			}
		}

	}

	private static String firstLine(Exception ex) {
		String message = String.valueOf(ex.getMessage());
		int end = message.indexOf('\n');
		return (end < 0) ? message : message.substring(0, end);
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private void note(String format, Object... args) {
		this.log
			.add(String.format(Locale.ROOT, "%6d ms ", Duration.ofNanos(System.nanoTime() - this.started).toMillis())
					+ String.format(Locale.ROOT, format, args));
	}

	private String history() {
		synchronized (this.log) {
			return String.join("\n", this.log);
		}
	}

	private static String[] with(String[] options, String... more) {
		List<String> all = new ArrayList<>(List.of(options));
		all.addAll(List.of(more));
		return all.toArray(String[]::new);
	}

	private static int reconcile(String... options) {
		List<String> args = new ArrayList<>(List.of("run", "reconcile", "--from=" + FIRST, "--to=" + LAST));
		args.addAll(List.of(options));
		return app(args.toArray(String[]::new));
	}

	private static int app(String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.add("--spring.datasource.url=" + cluster.primaryJdbcUrl());
		all.add("--spring.datasource.username=" + EmbeddedPostgresCluster.USERNAME);
		if (fromReplica) {
			all.add("--healthscore.replica.url=" + cluster.replicaJdbcUrl());
		}
		all.add("--healthscore.recompute.chunk-size=10");
		all.add("--healthscore.reconcile.chunk-size=10");
		return HealthScoreApplication.run(all.toArray(String[]::new));
	}

}
