package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.healthscore.io.archive.ArchiveLayout;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchiveReader;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.jobs.archive.ArchiveTestServers.Partition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.model.S3Object;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.jobs.archive.ArchiveTestServers.BUCKET;
import static dev.healthscore.jobs.archive.ArchiveTestServers.NOW;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives random sequences of archive operations over a few old months of both tables
 * (values that break naive archives included: NaN, infinities, -0.0, NULL, microsecond
 * timestamps, strings that are not ASCII): archive runs with random cut-offs and grace
 * periods, dry runs followed by the run they preview, restores, the app's writes to
 * months in PostgreSQL followed by {@code --rearchive}, faults (a run crashed after a
 * ledger state, a ledger move PostgreSQL refuses, S3 refusing every request from the
 * middle of a run) followed by the same command again, requests the jobs must refuse, and
 * the partitions job. The test keeps what each table month must hold and, after every
 * operation, checks that the rows are in exactly the one place the ledger says (attached,
 * detached, or in S3), equal to the model column for column, that the ledger agrees with
 * the catalogue, that S3 holds exactly the objects the manifests list, and that each exit
 * code is the documented one.
 * <p>
 * The seed is fixed so that a failure repeats; {@code -Darchive.random.seed=N} and
 * {@code -Darchive.random.rounds=N} run other or longer sequences.
 */
@ExtendWith(OutputCaptureExtension.class)
class ArchiveRandomizedIntegrationTests {

	private static final String DATABASE = "randomized";

	/** The months the generated data lies in. */
	private static final List<YearMonth> MONTHS = List.of(YearMonth.of(2024, 9), YearMonth.of(2024, 10),
			YearMonth.of(2024, 11), YearMonth.of(2024, 12), YearMonth.of(2025, 1));

	private static final long[] USERS = { 1, 2, 3, 5, 8, -4 };

	private static final String[] METRICS = { "steps", "active_minutes", "sleep_minutes", "resting_heart_rate",
			"heart_rate" };

	private static final String[] SOURCES = { "phone", "watch", "Ünïcødé ⌚ 😀", "a|b", "", "N" };

	private static final String[] GRACE = { "0s", "7d", "2d" };

	private static final Pattern PLAN_LINE = Pattern
		.compile("^  (health_\\w+) (\\d{4}-\\d{2}): (.+?) -> (.+); ends (\\w[\\w ]*); (.+)$", Pattern.MULTILINE);

	private static final String READING_COLUMNS = "user_id, metric, (extract(epoch FROM recorded_at) * 1000000)::bigint,"
			+ " float8send(value), source, (extract(epoch FROM ingested_at) * 1000000)::bigint";

	private static final String SCORE_COLUMNS = "user_id, score_date - DATE '1970-01-01', score, activity_score,"
			+ " sleep_score, heart_score, float4send(completeness), algorithm_version,"
			+ " (extract(epoch FROM inputs_as_of) * 1000000)::bigint, (extract(epoch FROM computed_at) * 1000000)::bigint,"
			+ " input_count, input_hash, row_hash";

	private static final String INSERT_READING = "INSERT INTO %s (user_id, metric, recorded_at, value, source,"
			+ " ingested_at) VALUES (?, ?, TIMESTAMPTZ 'epoch' + ? * INTERVAL '1 microsecond', ?, ?,"
			+ " TIMESTAMPTZ 'epoch' + ? * INTERVAL '1 microsecond')";

	private static final int[] READING_TYPES = { Types.BIGINT, Types.VARCHAR, Types.BIGINT, Types.DOUBLE, Types.VARCHAR,
			Types.BIGINT };

	private static final String INSERT_SCORE = "INSERT INTO %s (user_id, score_date, score, activity_score,"
			+ " sleep_score, heart_score, completeness, algorithm_version, inputs_as_of, computed_at, input_count,"
			+ " input_hash, row_hash) VALUES (?, DATE '1970-01-01' + CAST(? AS integer), ?, ?, ?, ?, ?, ?,"
			+ " TIMESTAMPTZ 'epoch' + ? * INTERVAL '1 microsecond', TIMESTAMPTZ 'epoch' + ? * INTERVAL '1 microsecond',"
			+ " ?, ?, ?)";

	private static final int[] SCORE_TYPES = { Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.SMALLINT,
			Types.SMALLINT, Types.SMALLINT, Types.REAL, Types.INTEGER, Types.BIGINT, Types.BIGINT, Types.INTEGER,
			Types.BIGINT, Types.BIGINT };

	private static ArchiveTestServers servers;

	private static JdbcTemplate jdbc;

	/** What each table month holds, by primary key. */
	private final Map<Partition, TreeMap<String, Object[]>> model = new HashMap<>();

	/**
	 * Table months written to while they were being archived, until their copy is seen to
	 * hold the writes: {@code true} for a write after the copy was verified (the month
	 * {@code VERIFIED} or {@code DETACHED}), whose copy may differ until the comparison
	 * before the drop; {@code false} for one before (the month {@code EXPORTING} or
	 * {@code EXPORTED}), which the verification must catch. A run may fail on either (the
	 * comparison sends the month back to {@code EXPORTING}); a dropped month is never
	 * excused.
	 */
	private final Map<Partition, Boolean> dirty = new TreeMap<>(ArchiveRandomizedIntegrationTests::compare);

	/** Table months a restore brought back at some point. */
	private final Set<Partition> restoredEver = new TreeSet<>(ArchiveRandomizedIntegrationTests::compare);

	private final List<String> log = new ArrayList<>();

	private Instant now = NOW;

	private CapturedOutput output;

	@BeforeAll
	static void start() throws IOException {
		servers = ArchiveTestServers.start(1);
		jdbc = servers.database(DATABASE);
	}

	@AfterAll
	static void stop() throws IOException {
		servers.close();
	}

	@Test
	void everyRandomSequenceOfArchiveOperationsKeepsEachMonthExactlyOnce(CapturedOutput output) {
		this.output = output;
		long seed = Long.getLong("archive.random.seed", 20261127L);
		int rounds = Integer.getInteger("archive.random.rounds", 12);
		Random random = new Random(seed);
		generate(random);
		this.log.add("seed " + seed + ", data in " + MONTHS.get(0) + ".." + MONTHS.get(MONTHS.size() - 1));
		checkInvariants();
		for (int round = 1; round <= rounds; round++) {
			this.now = this.now.plus(Duration.ofHours(random.nextInt(60)));
			note("step %d at %s:", round, this.now);
			int kind = random.nextInt(100);
			if (kind < 18) {
				archive(random, options(random));
			}
			else if (kind < 32) {
				dryRunThenRun(options(random));
			}
			else if (kind < 47) {
				restore(random);
			}
			else if (kind < 62) {
				writeThenRearchive(random);
			}
			else if (kind < 80) {
				faultThenAgain(random);
			}
			else if (kind < 86) {
				refused(random);
			}
			else if (kind < 89) {
				int code = app("run", "partitions");
				note("  run partitions: exit %d", code);
				assertThat(code).as(this::history).isZero();
			}
			else {
				// a late write, to a detached partition as well, which the comparison
				// before the drop must catch
				List<Partition> detached = inState("DETACHED", "VERIFIED");
				write(random, (detached.isEmpty() || random.nextBoolean()) ? writable(random, true)
						: detached.get(random.nextInt(detached.size())));
			}
			checkInvariants();
		}
		// the sequence reached what it is there for
		assertThat(states().values()).as(this::history).isNotEmpty();
	}

	// ---------------------------------------------------------------- operations

	private void archive(Random random, List<String> options) {
		int code = runArchive(options, null);
		assertThat(code).as(this::history).isIn(expectedCodes(0));
		if (code != 0) {
			again(options);
		}
	}

	/** Runs an archive, checking what a run that succeeded must have done. */
	private int runArchive(List<String> options, ArchiveStepListener listener) {
		Map<Partition, String> before = states();
		List<String> args = new ArrayList<>(List.of("run", "archive"));
		args.addAll(options);
		int code = (listener != null) ? servers.app(DATABASE, this.now, listener, args.toArray(String[]::new))
				: app(args.toArray(String[]::new));
		note("  run archive %s: exit %d", String.join(" ", options), code);
		if (code == 0) {
			checkCompletedRun(options, before);
		}
		return code;
	}

	/** After a run that exited 0: every month before the cut-off is archived. */
	private void checkCompletedRun(List<String> options, Map<Partition, String> before) {
		YearMonth cutOff = cutOff(options);
		boolean dropNow = options.contains("--healthscore.archive.grace-period=0s");
		Set<YearMonth> rearchived = rearchived(options);
		Map<Partition, String> after = states();
		for (Partition partition : partitions()) {
			String state = after.get(partition);
			if (partition.month().isBefore(cutOff)
					&& (!"RESTORED".equals(before.get(partition)) || rearchived.contains(partition.month()))) {
				if (dropNow && !this.dirty.containsKey(partition)) {
					assertThat(state).as(() -> partition.name() + "\n" + history()).isEqualTo("DROPPED");
				}
				else {
					assertThat(state).as(() -> partition.name() + "\n" + history()).isIn("DETACHED", "DROPPED");
				}
			}
			else if (before.get(partition) == null) {
				assertThat(state).as(() -> partition.name() + "\n" + history()).isNull();
			}
			else if ("RESTORED".equals(before.get(partition))) {
				assertThat(state).as(() -> partition.name() + "\n" + history()).isEqualTo("RESTORED");
			}
		}
		assertThat(servers.noUnfinishedUploads()).as(this::history).isTrue();
	}

	/** The same command again, until it succeeds (a month written to may take two). */
	private void again(List<String> options) {
		for (int attempt = 1;; attempt++) {
			int code = runArchive(options, null);
			if (code == 0) {
				return;
			}
			assertThat(code).as(this::history).isEqualTo(1);
			assertThat(attempt).as(() -> "the same command keeps failing\n" + history()).isLessThan(3);
			checkInvariants();
		}
	}

	private void dryRunThenRun(List<String> options) {
		Map<String, Object> before = everything();
		List<String> args = new ArrayList<>(List.of("run", "archive", "--dry-run"));
		args.addAll(options);
		int start = this.output.getOut().length();
		int code = app(args.toArray(String[]::new));
		note("  run archive --dry-run %s: exit %d", String.join(" ", options), code);
		assertThat(code).as(this::history).isZero();
		String plan = this.output.getOut().substring(start);
		assertThat(everything()).as(() -> "the dry run changed something\n" + history()).isEqualTo(before);
		Map<String, String> planned = new TreeMap<>();
		Matcher matcher = PLAN_LINE.matcher(plan);
		while (matcher.find()) {
			planned.put(matcher.group(1) + " " + matcher.group(2), matcher.group(5));
			note("    plan %s %s: %s -> %s; ends %s", matcher.group(1), matcher.group(2), matcher.group(3),
					matcher.group(4), matcher.group(5));
		}
		Map<Partition, String> statesBefore = states();
		int run = runArchive(options, null);
		assertThat(run).as(this::history).isIn(expectedCodes(0));
		if (run != 0) {
			again(options);
			return;
		}
		Map<Partition, String> after = states();
		for (Partition partition : partitions()) {
			String key = partition.table().tableName() + " " + partition.month();
			String expected = planned.containsKey(key) ? planned.get(key) : statesBefore.get(partition);
			assertThat(after.get(partition)).as(() -> key + " as the dry run said\n" + history()).isEqualTo(expected);
		}
	}

	private void restore(Random random) {
		List<Partition> archived = inState("DETACHED", "DROPPED");
		if (archived.isEmpty()) {
			archive(random, options(random));
			return;
		}
		Partition partition = archived.get(random.nextInt(archived.size()));
		int code = restore(partition, null);
		assertThat(code).as(this::history).isIn(this.dirty.containsKey(partition) ? List.of(0, 1) : List.of(0));
		if (code == 0) {
			assertThat(states().get(partition)).as(this::history).isEqualTo("RESTORED");
			if (random.nextInt(3) == 0) {
				// again: a restored month is left as it is
				assertThat(restore(partition, null)).as(this::history).isZero();
			}
		}
	}

	private int restore(Partition partition, ArchiveStepListener listener) {
		String[] args = { "run", "restore", "--table=" + partition.table().tableName(),
				"--month=" + partition.month() };
		int code = (listener != null) ? servers.app(DATABASE, this.now, listener, args) : app(args);
		note("  run restore %s %s: exit %d", partition.table().tableName(), partition.month(), code);
		if (code == 0) {
			this.restoredEver.add(partition);
			this.dirty.remove(partition);
		}
		return code;
	}

	private void writeThenRearchive(Random random) {
		List<Partition> restored = inState("RESTORED");
		if (restored.isEmpty()) {
			restore(random);
			return;
		}
		Partition partition = restored.get(random.nextInt(restored.size()));
		if (random.nextInt(4) > 0) {
			write(random, partition);
		}
		List<String> options = new ArrayList<>();
		options.add("--rearchive=" + partition.month());
		if (random.nextBoolean()) {
			options.add("--before=" + partition.month().plusMonths(1 + random.nextInt(3)));
		}
		options.add("--healthscore.archive.grace-period=" + GRACE[random.nextInt(GRACE.length)]);
		archive(random, options);
	}

	private void faultThenAgain(Random random) {
		int kind = random.nextInt(4);
		List<Partition> archived = inState("DETACHED", "DROPPED");
		if (kind == 3 && !archived.isEmpty()) {
			// a restore that fails at a ledger move, then the same restore
			Partition partition = archived.get(random.nextInt(archived.size()));
			String refused = random.nextBoolean() ? "RESTORED" : "RESTORING";
			refuseMove(refused);
			int code;
			try {
				code = restore(partition, null);
			}
			finally {
				jdbc.execute("DROP TRIGGER refuse_move ON archive_ledger");
			}
			note("    (the ledger refused moves to %s)", refused);
			assertThat(code).as(this::history).isIn(0, 1);
			if (code == 1) {
				assertThat(states().get(partition)).as(this::history).isIn("DETACHED", "DROPPED");
			}
			checkInvariants();
			int again = restore(partition, null);
			assertThat(again).as(this::history).isIn(this.dirty.containsKey(partition) ? List.of(0, 1) : List.of(0));
			return;
		}
		List<String> options = workOptions(random);
		int code;
		AtomicBoolean fired = new AtomicBoolean();
		if (kind == 0) {
			ArchiveState state = ArchiveState.values()[random.nextInt(5)];
			note("    (crash after the first month reaching %s)", state);
			code = runArchive(options, (table, month, reached) -> {
				if (reached == state && fired.compareAndSet(false, true)) {
					throw new IllegalStateException("Injected crash after " + table.partitionName(month) + " " + state);
				}
			});
			assertThat(code).as(this::history).isIn(fired.get() ? List.of(1) : expectedCodes(0));
		}
		else if (kind == 1) {
			String[] moves = { "EXPORTED", "VERIFIED", "DETACHED", "DROPPED", "EXPORTING" };
			String refused = moves[random.nextInt(moves.length)];
			refuseMove(refused);
			note("    (the ledger refuses moves to %s)", refused);
			try {
				code = runArchive(options, null);
			}
			finally {
				jdbc.execute("DROP TRIGGER refuse_move ON archive_ledger");
			}
			assertThat(code).as(this::history).isIn(0, 1);
			if (code == 1 && this.dirty.isEmpty()) {
				assertThat(jdbc.queryForObject(
						"SELECT count(*) FROM archive_ledger WHERE last_error LIKE '%Injected refusal%'", Long.class))
					.as(this::history)
					.isPositive();
			}
		}
		else {
			// S3 refuses every request from the first month exported on: the read-back
			// fails
			String secret = System.getProperty("aws.secretAccessKey");
			note("    (S3 refuses every request once a month is exported)");
			try {
				code = runArchive(options, (table, month, reached) -> {
					if (reached == ArchiveState.EXPORTED && fired.compareAndSet(false, true)) {
						System.setProperty("aws.secretAccessKey", "not-the-secret");
					}
				});
			}
			finally {
				System.setProperty("aws.secretAccessKey", secret);
			}
			assertThat(code).as(this::history).isIn(fired.get() ? List.of(1) : expectedCodes(0));
		}
		jdbc.update("UPDATE archive_ledger SET last_error = replace(last_error, 'Injected', 'injected')"
				+ " WHERE last_error LIKE '%Injected%'");
		if (code != 0) {
			checkInvariants();
			if (random.nextBoolean()) {
				// the app writes to a month the failed run left half-way
				List<Partition> halfWay = inState("EXPORTING", "EXPORTED", "VERIFIED");
				if (halfWay.isEmpty()) {
					halfWay = inState("DETACHED");
				}
				write(random,
						halfWay.isEmpty() ? writable(random, false) : halfWay.get(random.nextInt(halfWay.size())));
				checkInvariants();
			}
			if (random.nextBoolean()) {
				dryRunThenRun(options);
			}
			else {
				again(options);
			}
		}
	}

	/**
	 * Options of a run that has work to do, for a fault to hit: a restored month (one is
	 * restored first if none is) archived again, at times after writes to it, or else
	 * every month before the default cut-off.
	 */
	private List<String> workOptions(Random random) {
		List<Partition> restored = inState("RESTORED");
		List<Partition> archived = inState("DETACHED", "DROPPED");
		if (restored.isEmpty() && !archived.isEmpty() && random.nextInt(4) > 0) {
			Partition partition = archived.get(random.nextInt(archived.size()));
			assertThat(restore(partition, null)).as(this::history).isIn(expectedCodes(0));
			checkInvariants();
			restored = inState("RESTORED");
		}
		if (restored.isEmpty() || random.nextInt(5) == 0) {
			List<String> options = new ArrayList<>(options(random));
			options.removeIf((option) -> option.startsWith("--before=") || option.startsWith("--hot-months="));
			return options;
		}
		Partition partition = restored.get(random.nextInt(restored.size()));
		if (random.nextBoolean()) {
			write(random, partition);
		}
		return List.of("--rearchive=" + partition.month(),
				"--healthscore.archive.grace-period=" + GRACE[random.nextInt(GRACE.length)]);
	}

	/** Makes PostgreSQL refuse each move of the ledger to a state. */
	private static void refuseMove(String state) {
		jdbc.execute("""
				CREATE OR REPLACE FUNCTION refuse_move() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'Injected refusal of % -> %', OLD.state, NEW.state; END $$""");
		jdbc.execute("CREATE TRIGGER refuse_move BEFORE UPDATE ON archive_ledger FOR EACH ROW WHEN (NEW.state = '"
				+ state + "' AND OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION refuse_move()");
	}

	/** A request the jobs refuse before anything starts: exit 2, nothing changed. */
	private void refused(Random random) {
		Map<String, Object> before = everything();
		List<String> args = new ArrayList<>();
		int kind = random.nextInt(5);
		List<Partition> notArchived = new ArrayList<>();
		Map<Partition, String> states = states();
		for (Partition partition : partitions()) {
			String state = states.get(partition);
			if (state == null || List.of("EXPORTING", "EXPORTED", "VERIFIED").contains(state)) {
				notArchived.add(partition);
			}
		}
		List<YearMonth> neverRestored = MONTHS.stream()
			.filter((month) -> this.restoredEver.stream().noneMatch((partition) -> partition.month().equals(month)))
			.toList();
		List<Partition> restored = inState("RESTORED");
		if (kind == 0 && !notArchived.isEmpty()) {
			Partition partition = notArchived.get(random.nextInt(notArchived.size()));
			args.addAll(List.of("run", "restore", "--table=" + partition.table().tableName(),
					"--month=" + partition.month()));
		}
		else if (kind == 1 && !neverRestored.isEmpty()) {
			args.addAll(List.of("run", "archive",
					"--rearchive=" + neverRestored.get(random.nextInt(neverRestored.size()))));
		}
		else if (kind == 2 && !restored.isEmpty()) {
			YearMonth month = restored.get(random.nextInt(restored.size())).month();
			args.addAll(List.of("run", "archive", "--rearchive=" + month,
					"--before=" + month.minusMonths(random.nextInt(2))));
		}
		else if (kind == 3) {
			args.addAll(List.of("run", "archive", "--hot-months=0"));
		}
		else {
			args.addAll(List.of("run", "restore", "--table=health_score", "--month=2023-0" + (1 + random.nextInt(9))));
		}
		int code = app(args.toArray(String[]::new));
		note("  %s (refused): exit %d", String.join(" ", args), code);
		assertThat(code).as(this::history).isEqualTo(2);
		assertThat(everything()).as(() -> "a refused request changed something\n" + history()).isEqualTo(before);
	}

	// ---------------------------------------------------------------- app writes

	/**
	 * A table month the app can write to: in PostgreSQL, attached or (rarely) detached.
	 */
	private Partition writable(Random random, boolean detachedToo) {
		Map<Partition, String> states = states();
		List<Partition> candidates = new ArrayList<>();
		for (Partition partition : partitions()) {
			String state = states.get(partition);
			if (state == null || state.equals("RESTORED")
					|| (detachedToo && List.of("EXPORTING", "EXPORTED", "VERIFIED", "DETACHED").contains(state))) {
				candidates.add(partition);
			}
		}
		return candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
	}

	/** Inserts, changes and deletes a few rows of a table month, as the app would. */
	private void write(Random random, Partition partition) {
		if (partition == null) {
			return;
		}
		String state = states().get(partition);
		boolean detached = !attached().contains(partition.name());
		String target = detached ? partition.name() : partition.table().tableName();
		TreeMap<String, Object[]> rows = rows(partition);
		int inserted = 0;
		int updated = 0;
		int deleted = 0;
		for (int i = 1 + random.nextInt(6); i > 0; i--) {
			int kind = random.nextInt(3);
			if (kind == 0 || rows.isEmpty()) {
				Object[] row = newRow(random, partition);
				if (rows.putIfAbsent(key(partition.table(), row), row) == null) {
					insert(target, partition.table(), List.<Object[]>of(row));
					inserted++;
				}
			}
			else {
				List<String> keys = new ArrayList<>(rows.keySet());
				Object[] row = rows.get(keys.get(random.nextInt(keys.size())));
				String where = where(partition.table());
				Object[] keyValues = keyValues(partition.table(), row);
				if (kind == 1) {
					Object[] changed = row.clone();
					if (partition.table() == ArchiveTable.HEALTH_READING) {
						changed[3] = value(random);
						changed[5] = (Long) changed[5] + 1;
						Object[] args = { changed[3], changed[5], keyValues[0], keyValues[1], keyValues[2],
								keyValues[3] };
						assertThat(jdbc.update(
								"UPDATE " + target + " SET value = ?, ingested_at = TIMESTAMPTZ 'epoch'"
										+ " + ? * INTERVAL '1 microsecond' WHERE " + where,
								args, new int[] { Types.DOUBLE, Types.BIGINT, Types.BIGINT, Types.VARCHAR, Types.BIGINT,
										Types.VARCHAR }))
							.isOne();
					}
					else {
						changed[2] = (random.nextInt(5) == 0) ? null : random.nextInt(101);
						changed[6] = completeness(random);
						Object[] args = { changed[2], changed[6], keyValues[0], keyValues[1] };
						assertThat(jdbc.update("UPDATE " + target + " SET score = ?, completeness = ? WHERE " + where,
								args, new int[] { Types.SMALLINT, Types.REAL, Types.BIGINT, Types.INTEGER }))
							.isOne();
					}
					rows.put(key(partition.table(), changed), changed);
					updated++;
				}
				else {
					int[] types = (partition.table() == ArchiveTable.HEALTH_READING)
							? new int[] { Types.BIGINT, Types.VARCHAR, Types.BIGINT, Types.VARCHAR }
							: new int[] { Types.BIGINT, Types.INTEGER };
					assertThat(jdbc.update("DELETE FROM " + target + " WHERE " + where, keyValues, types)).isOne();
					rows.remove(key(partition.table(), row));
					deleted++;
				}
			}
		}
		if (state != null && !state.equals("RESTORED")) {
			this.dirty.put(partition, state.equals("VERIFIED") || state.equals("DETACHED"));
		}
		note("  app writes to %s (%s%s): %d inserted, %d changed, %d deleted", partition.name(),
				(state != null) ? state : "never archived", detached ? ", detached table" : "", inserted, updated,
				deleted);
	}

	private static String where(ArchiveTable table) {
		return (table == ArchiveTable.HEALTH_READING)
				? "user_id = ? AND metric = ? AND recorded_at = TIMESTAMPTZ 'epoch' + ? * INTERVAL '1 microsecond'"
						+ " AND source = ?"
				: "user_id = ? AND score_date = DATE '1970-01-01' + CAST(? AS integer)";
	}

	private static Object[] keyValues(ArchiveTable table, Object[] row) {
		return (table == ArchiveTable.HEALTH_READING) ? new Object[] { row[0], row[1], row[2], row[4] }
				: new Object[] { row[0], row[1] };
	}

	// ---------------------------------------------------------------- invariants

	/**
	 * The rows of every table month are where the ledger says, equal to the model; the
	 * ledger agrees with the catalogue; S3 holds exactly the manifests' objects.
	 */
	private void checkInvariants() {
		Map<Partition, String> states = states();
		List<String> attached = attached();
		ArchiveManifests manifests = new ArchiveManifests(servers.s3(), new ArchiveLayout(BUCKET, DATABASE));
		Map<String, Set<String>> folders = folders();
		Set<String> checkedFolders = new TreeSet<>();
		for (Partition partition : partitions()) {
			String state = states.get(partition);
			String name = partition.name();
			String folder = DATABASE + "/" + partition.table().tableName() + "/month=" + partition.month() + "/";
			checkedFolders.add(folder);
			Set<String> objects = folders.getOrDefault(folder, Set.of());
			List<String> expected = canonical(partition.table(), rows(partition).values());
			boolean exists = jdbc.queryForObject("SELECT to_regclass(?) IS NOT NULL", Boolean.class, name);
			List<String> inParent = pgRows(partition, partition.table().tableName(), true);
			String what = name + " (" + ((state != null) ? state : "never archived") + ")";
			if (state == null || state.equals("RESTORED")) {
				assertThat(attached).as(() -> what + " attached\n" + history()).contains(name);
			}
			else if (state.equals("DETACHED")) {
				assertThat(exists && !attached.contains(name)).as(() -> what + " detached\n" + history()).isTrue();
			}
			else if (state.equals("DROPPED")) {
				assertThat(exists).as(() -> what + " dropped\n" + history()).isFalse();
			}
			else {
				assertThat(state).as(() -> what + "\n" + history()).isIn("EXPORTING", "EXPORTED", "VERIFIED");
				assertThat(exists).as(() -> what + " still in PostgreSQL\n" + history()).isTrue();
			}
			if (attached.contains(name)) {
				assertThat(inParent).as(() -> what + ": its rows in PostgreSQL\n" + history())
					.containsExactlyElementsOf(expected);
			}
			else {
				assertThat(inParent).as(() -> what + ": nothing of it attached\n" + history()).isEmpty();
				if (exists) {
					assertThat(pgRows(partition, name, false))
						.as(() -> what + ": the rows of its detached table\n" + history())
						.containsExactlyElementsOf(expected);
				}
			}
			if (state == null) {
				assertThat(objects).as(() -> what + ": no objects\n" + history()).isEmpty();
			}
			else if (List.of("VERIFIED", "DETACHED", "DROPPED", "RESTORED").contains(state)) {
				ArchiveManifest manifest = manifests.read(partition.table(), partition.month());
				assertThat(manifest.verified()).as(() -> what + ": manifest verified\n" + history()).isTrue();
				assertThat(objects).as(() -> what + ": the objects its manifest lists, nothing more\n" + history())
					.isEqualTo(listed(manifest));
				boolean excused = Boolean.TRUE.equals(this.dirty.get(partition)) && !state.equals("DROPPED");
				if (!state.equals("RESTORED") && !excused) {
					List<String> copy;
					try {
						copy = s3Rows(manifest);
					}
					catch (IOException ex) {
						throw new UncheckedIOException(ex);
					}
					assertThat(copy).as(() -> what + ": the rows of its copy in S3\n" + history())
						.containsExactlyElementsOf(expected);
					this.dirty.remove(partition);
				}
			}
		}
		// nothing in S3 but the months' folders and the user snapshot
		for (Map.Entry<String, Set<String>> folder : folders.entrySet()) {
			if (folder.getKey().equals(DATABASE + "/app_user/")) {
				assertThat(folder.getValue()).as(() -> "the user snapshot\n" + history())
					.isEqualTo(listed(manifests.read(ArchiveTable.APP_USER, null)));
			}
			else {
				assertThat(checkedFolders).as(() -> "stray objects " + folder.getValue() + "\n" + history())
					.contains(folder.getKey());
			}
		}
		assertThat(states.values()).as(this::history).doesNotContain("RESTORING");
	}

	private static Set<String> listed(ArchiveManifest manifest) {
		Set<String> keys = new TreeSet<>();
		keys.add(manifest.location().substring(("s3://" + BUCKET + "/").length()) + ArchiveLayout.MANIFEST_NAME);
		manifest.files().forEach((file) -> keys.add(file.key()));
		return keys;
	}

	/** The object keys under the test's prefix, by folder. */
	private static Map<String, Set<String>> folders() {
		Map<String, Set<String>> folders = new TreeMap<>();
		for (S3Object object : servers.s3()
			.listObjectsV2Paginator((request) -> request.bucket(BUCKET).prefix(DATABASE + "/"))
			.contents()) {
			String key = object.key();
			folders.computeIfAbsent(key.substring(0, key.lastIndexOf('/') + 1), (folder) -> new TreeSet<>()).add(key);
		}
		return folders;
	}

	/** The rows of a table month in S3, read back with the archive's reader. */
	private static List<String> s3Rows(ArchiveManifest manifest) throws IOException {
		List<String> rows = new ArrayList<>();
		new ArchiveReader(servers.s3()).read(manifest, (row) -> rows.add(canonical(row)));
		rows.sort(null);
		return rows;
	}

	/** The rows of a table month in PostgreSQL, from the parent or from its own table. */
	private static List<String> pgRows(Partition partition, String table, boolean range) {
		YearMonth month = partition.month();
		boolean readings = partition.table() == ArchiveTable.HEALTH_READING;
		String where = "";
		if (range) {
			where = readings
					? " WHERE recorded_at >= TIMESTAMPTZ '%s-01 00:00:00+00' AND recorded_at < TIMESTAMPTZ '%s-01 00:00:00+00'"
						.formatted(month, month.plusMonths(1))
					: " WHERE score_date >= DATE '%s-01' AND score_date < DATE '%s-01'".formatted(month,
							month.plusMonths(1));
		}
		String sql = "SELECT " + (readings ? READING_COLUMNS : SCORE_COLUMNS) + " FROM " + table + where;
		List<String> rows = jdbc.query(sql, (ResultSet resultSet, int index) -> canonical(values(resultSet)));
		rows.sort(null);
		return rows;
	}

	private static Object[] values(ResultSet resultSet) throws SQLException {
		int columns = resultSet.getMetaData().getColumnCount();
		Object[] row = new Object[columns];
		for (int i = 0; i < columns; i++) {
			Object value = resultSet.getObject(i + 1);
			if (value instanceof byte[] bytes) {
				value = (bytes.length == 8) ? (Object) Double.longBitsToDouble(ByteBuffer.wrap(bytes).getLong())
						: (Object) Float.intBitsToFloat(ByteBuffer.wrap(bytes).getInt());
			}
			row[i] = value;
		}
		return row;
	}

	/** A row as text, reals by their bits, whatever class holds each value. */
	private static String canonical(Object[] row) {
		StringBuilder text = new StringBuilder();
		for (Object value : row) {
			if (value == null) {
				text.append("NULL");
			}
			else if (value instanceof Double number) {
				text.append("d").append(Long.toHexString(Double.doubleToRawLongBits(number)));
			}
			else if (value instanceof Float number) {
				text.append("f").append(Integer.toHexString(Float.floatToRawIntBits(number)));
			}
			else if (value instanceof Number number) {
				text.append(number.longValue());
			}
			else {
				text.append('\'').append(value).append('\'');
			}
			text.append(" | ");
		}
		return text.toString();
	}

	private static List<String> canonical(ArchiveTable table, Iterable<Object[]> rows) {
		List<String> texts = new ArrayList<>();
		rows.forEach((row) -> texts.add(canonical(row)));
		texts.sort(null);
		return texts;
	}

	/**
	 * What a refused or previewing command must not change: the ledger, the catalogue,
	 * the rows, the objects and the job repository.
	 */
	private static Map<String, Object> everything() {
		Map<String, Object> all = new LinkedHashMap<>();
		all.put("ledger", jdbc.queryForList("SELECT * FROM archive_ledger ORDER BY table_name, month"));
		all.put("partitions", jdbc.queryForList("SELECT c.relname::text, c.relispartition FROM pg_class c"
				+ " WHERE c.relname ~ '^health_(reading|score)_\\d{4}_\\d{2}$' AND c.relkind = 'r' ORDER BY 1"));
		all.put("rows", jdbc.queryForList(
				"SELECT (SELECT count(*) FROM health_reading) r," + " (SELECT count(*) FROM health_score) s"));
		all.put("executions", jdbc.queryForObject("SELECT count(*) FROM batch_job_execution", Long.class));
		all.put("objects",
				servers.s3()
					.listObjectsV2Paginator((request) -> request.bucket(BUCKET).prefix(DATABASE + "/"))
					.contents()
					.stream()
					.map((object) -> object.key() + " " + object.eTag() + " " + object.lastModified())
					.toList());
		return all;
	}

	// ---------------------------------------------------------------- model and data

	private void generate(Random random) {
		jdbc.execute("TRUNCATE health_reading, health_score");
		for (ArchiveTable table : List.of(ArchiveTable.HEALTH_READING, ArchiveTable.HEALTH_SCORE)) {
			jdbc.queryForObject("SELECT healthscore_ensure_partitions(?::regclass, ?, ?)", Integer.class,
					table.tableName(), MONTHS.get(0).atDay(1), MONTHS.get(MONTHS.size() - 1).atDay(1));
		}
		for (YearMonth month : MONTHS) {
			for (ArchiveTable table : List.of(ArchiveTable.HEALTH_READING, ArchiveTable.HEALTH_SCORE)) {
				Partition partition = new Partition(table, month);
				TreeMap<String, Object[]> rows = rows(partition);
				int count = (table == ArchiveTable.HEALTH_READING) ? 150 + random.nextInt(150)
						: 60 + random.nextInt(60);
				for (int i = 0; i < count; i++) {
					Object[] row = newRow(random, partition);
					rows.putIfAbsent(key(table, row), row);
				}
				insert(table.tableName(), table, new ArrayList<>(rows.values()));
			}
		}
	}

	private static void insert(String target, ArchiveTable table, List<Object[]> rows) {
		boolean readings = table == ArchiveTable.HEALTH_READING;
		jdbc.batchUpdate((readings ? INSERT_READING : INSERT_SCORE).formatted(target), rows,
				readings ? READING_TYPES : SCORE_TYPES);
	}

	/** A new row of a table month, in the archive's value classes. */
	private static Object[] newRow(Random random, Partition partition) {
		YearMonth month = partition.month();
		long first = micros(month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC));
		long end = micros(month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC));
		long user = USERS[random.nextInt(USERS.length)];
		if (partition.table() == ArchiveTable.HEALTH_READING) {
			int edge = random.nextInt(30);
			long at = (edge == 0) ? first
					: (edge == 1) ? end - 1 : first + (long) (random.nextDouble() * (end - first));
			return new Object[] { user, METRICS[random.nextInt(METRICS.length)], at, value(random),
					SOURCES[random.nextInt(SOURCES.length)], end + random.nextInt(1_000_000_000) };
		}
		int day = (int) month.atDay(1 + random.nextInt(month.lengthOfMonth())).toEpochDay();
		boolean scored = random.nextInt(6) > 0;
		return new Object[] { user, day, scored ? random.nextInt(101) : null, scored ? random.nextInt(101) : null,
				random.nextBoolean() ? random.nextInt(101) : null, scored ? random.nextInt(101) : null,
				completeness(random), 1, end + random.nextInt(1_000_000),
				end + 86_400_000_000L + random.nextInt(999_999), scored ? random.nextInt(300) : null,
				random.nextBoolean() ? random.nextLong() : null, (random.nextInt(8) > 0) ? random.nextLong() : null };
	}

	private static Double value(Random random) {
		return switch (random.nextInt(20)) {
			case 0 -> Double.NaN;
			case 1 -> Double.POSITIVE_INFINITY;
			case 2 -> Double.NEGATIVE_INFINITY;
			case 3 -> -0.0;
			case 4 -> null;
			case 5 -> Double.MIN_VALUE;
			default -> random.nextInt(20_000) / 8.0;
		};
	}

	private static Float completeness(Random random) {
		return switch (random.nextInt(12)) {
			case 0 -> Float.NaN;
			case 1 -> -0.0f;
			default -> random.nextInt(101) / 100.0f;
		};
	}

	private static long micros(Instant instant) {
		return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
	}

	private static String key(ArchiveTable table, Object[] row) {
		return (table == ArchiveTable.HEALTH_READING) ? row[0] + "|" + row[1] + "|" + row[2] + "|" + row[4]
				: row[0] + "|" + row[1];
	}

	private TreeMap<String, Object[]> rows(Partition partition) {
		return this.model.computeIfAbsent(partition, (key) -> new TreeMap<>());
	}

	/**
	 * Every table month of interest: those of the data, of the catalogue and of the
	 * ledger, and those S3 has a folder of.
	 */
	private Set<Partition> partitions() {
		Set<Partition> all = new TreeSet<>(ArchiveRandomizedIntegrationTests::compare);
		all.addAll(this.model.keySet());
		jdbc.query("SELECT c.relname::text FROM pg_class c WHERE c.relname ~ '^health_(reading|score)_\\d{4}_\\d{2}$'"
				+ " AND c.relkind = 'r'", (ResultSet row) -> {
					all.add(partition(row.getString(1)));
				});
		all.addAll(states().keySet());
		Pattern folder = Pattern.compile("^" + DATABASE + "/(health_reading|health_score)/month=(\\d{4}-\\d{2})/$");
		for (String key : folders().keySet()) {
			Matcher matcher = folder.matcher(key);
			if (matcher.matches()) {
				all.add(new Partition(ArchiveTable.valueOf(matcher.group(1).toUpperCase(Locale.ROOT)),
						matcher.group(2)));
			}
		}
		return all;
	}

	private static Partition partition(String name) {
		String table = name.substring(0, name.length() - "_2024_01".length());
		String month = name.substring(name.length() - 7).replace('_', '-');
		return new Partition(ArchiveTable.valueOf(table.toUpperCase(Locale.ROOT)), month);
	}

	private static int compare(Partition a, Partition b) {
		int table = a.table().compareTo(b.table());
		return (table != 0) ? table : a.month().compareTo(b.month());
	}

	private static Map<Partition, String> states() {
		Map<Partition, String> states = new TreeMap<>(ArchiveRandomizedIntegrationTests::compare);
		jdbc.query("SELECT table_name, to_char(month, 'YYYY-MM'), state FROM archive_ledger", (ResultSet row) -> {
			states.put(new Partition(ArchiveTable.valueOf(row.getString(1).toUpperCase(Locale.ROOT)), row.getString(2)),
					row.getString(3));
		});
		return states;
	}

	private List<Partition> inState(String... wanted) {
		List<String> list = List.of(wanted);
		return states().entrySet()
			.stream()
			.filter((entry) -> list.contains(entry.getValue()))
			.map(Map.Entry::getKey)
			.collect(Collectors.toList());
	}

	private static List<String> attached() {
		return ArchiveJobIntegrationTests.attached(jdbc);
	}

	/** Random options of an archive run: a cut-off, a grace period. */
	private static List<String> options(Random random) {
		List<String> options = new ArrayList<>();
		int cutOff = random.nextInt(4);
		if (cutOff == 0) {
			options.add("--before=" + YearMonth.of(2024, 10).plusMonths(random.nextInt(5)));
		}
		else if (cutOff == 1) {
			options.add("--hot-months=" + (13 + random.nextInt(6)));
		}
		options.add("--healthscore.archive.grace-period=" + GRACE[random.nextInt(GRACE.length)]);
		return options;
	}

	private YearMonth cutOff(List<String> options) {
		for (String option : options) {
			if (option.startsWith("--before=")) {
				return YearMonth.parse(option.substring("--before=".length()));
			}
		}
		int hot = 13;
		for (String option : options) {
			if (option.startsWith("--hot-months=")) {
				hot = Integer.parseInt(option.substring("--hot-months=".length()));
			}
		}
		return YearMonth.from(LocalDate.ofInstant(this.now, ZoneOffset.UTC)).minusMonths(hot);
	}

	private static Set<YearMonth> rearchived(List<String> options) {
		Set<YearMonth> months = new TreeSet<>();
		for (String option : options) {
			if (option.startsWith("--rearchive=")) {
				for (String month : option.substring("--rearchive=".length()).split(",")) {
					months.add(YearMonth.parse(month));
				}
			}
		}
		return months;
	}

	/**
	 * The exit codes of a run: a month written to since its copy may fail a comparison.
	 */
	private List<Integer> expectedCodes(int code) {
		return this.dirty.isEmpty() ? List.of(code) : List.of(code, 1);
	}

	private int app(String... args) {
		return servers.app(DATABASE, this.now, null, args);
	}

	private void note(String format, Object... args) {
		this.log.add(String.format(Locale.ROOT, format, args));
	}

	private String history() {
		return String.join("\n", this.log);
	}

}
