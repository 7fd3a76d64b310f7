package dev.healthscore.io.reconcile;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.healthscore.io.jdbc.PgBinaryCopyReader;
import dev.healthscore.io.reading.ReadingCopyDecoder;
import dev.healthscore.io.reading.UserTimeZones;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.UserProfile;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the suspects of one block of users and the readings needed to score them again,
 * in one read-only transaction: the suspect days' readings of every input metric, and the
 * lookback days' readings of the lookback metrics only.
 */
final class SuspectBlock {

	private static final Logger logger = LoggerFactory.getLogger(SuspectBlock.class);

	private static final long SECONDS_PER_DAY = 86_400;

	private static final String USERS_WITH_SUSPECTS_SQL = """
			SELECT DISTINCT user_id FROM reconcile_suspect WHERE job_instance_id = ? AND user_id > ?
			ORDER BY user_id""";

	private static final String SUSPECTS_SQL = """
			SELECT user_id, score_date, reasons FROM reconcile_suspect
			WHERE job_instance_id = ? AND user_id BETWEEN ? AND ?
			ORDER BY user_id, score_date""";

	private static final String USERS_SQL = """
			SELECT user_id, time_zone, daily_step_goal, deleted_at IS NOT NULL
			FROM app_user WHERE user_id = ANY(?)""";

	/**
	 * COPY takes no bind parameters: the windows are literals of typed values only. Each
	 * window is one index range scan (LATERAL, kept from being flattened by OFFSET 0):
	 * joined as a set, the planner takes a few thousand windows for a reason to sort the
	 * whole table. The windows of the metrics without lookback come first.
	 */
	private static final String READINGS = """
			SELECT r.user_id, r.metric, r.recorded_at, r.value, r.source, r.ingested_at
			FROM unnest('%s'::bigint[], '%s'::text[], '%s'::timestamptz[], '%s'::timestamptz[]) AS w(u, m, lo, hi)
			CROSS JOIN LATERAL (SELECT * FROM health_reading h
			                    WHERE h.user_id = w.u AND h.metric = w.m AND h.recorded_at >= w.lo
			                      AND h.recorded_at < w.hi OFFSET 0) AS r""";

	/**
	 * The windows of one lookback metric, named by a literal: a partial index for the
	 * metric ({@code health_reading_resting_hr_idx}, V11) then answers them from its own
	 * pages, without a visit to the table's pages, which hold the metric's one reading a
	 * day among the day's other readings (a window of 29 days read up to 29 of them). The
	 * metric comes from the index's predicate, not from a column it does not hold. With
	 * no such index, the primary key answers them as it does the others.
	 */
	private static final String LOOKBACK_READINGS = """
			SELECT w.u, '%1$s'::text, r.recorded_at, r.value, r.source, r.ingested_at
			FROM unnest('%2$s'::bigint[], '%3$s'::timestamptz[], '%4$s'::timestamptz[]) AS w(u, lo, hi)
			CROSS JOIN LATERAL (SELECT h.recorded_at, h.value, h.source, h.ingested_at FROM health_reading h
			                    WHERE h.metric = '%1$s' AND h.user_id = w.u AND h.recorded_at >= w.lo
			                      AND h.recorded_at < w.hi OFFSET 0) AS r""";

	private final long jobInstanceId;

	private final int lookbackDays;

	private final Set<Metric> lookbackMetrics;

	private final Metric[] inputMetrics;

	SuspectBlock(long jobInstanceId, int lookbackDays, Set<Metric> inputMetrics, Set<Metric> lookbackMetrics) {
		this.jobInstanceId = jobInstanceId;
		this.lookbackDays = lookbackDays;
		this.lookbackMetrics = lookbackMetrics;
		this.inputMetrics = inputMetrics.toArray(Metric[]::new);
	}

	/**
	 * Splits the users with suspects after {@code afterUserId} into blocks of at most
	 * {@code size} users.
	 * @return the blocks, as ranges of user ids, in user id order
	 */
	List<Users> blocks(Connection connection, long afterUserId, int size) throws SQLException {
		List<Users> blocks = new ArrayList<>();
		try (PreparedStatement ps = connection.prepareStatement(USERS_WITH_SUSPECTS_SQL)) {
			ps.setFetchSize(10_000);
			ps.setLong(1, this.jobInstanceId);
			ps.setLong(2, afterUserId);
			try (ResultSet rs = ps.executeQuery()) {
				long first = 0;
				long last = 0;
				int count = 0;
				while (rs.next()) {
					last = rs.getLong(1);
					if (count == 0) {
						first = last;
					}
					if (++count == size) {
						blocks.add(new Users(first, last));
						count = 0;
					}
				}
				if (count > 0) {
					blocks.add(new Users(first, last));
				}
			}
		}
		return blocks;
	}

	/**
	 * Loads the suspects of the users of {@code block}.
	 * @param asOf everything committed on the primary before it is visible through
	 * {@code connection}: the inputs' {@code inputs_as_of}
	 * @return their work in user id order
	 */
	List<ReconcileWork> load(Connection connection, Users block, Instant asOf) throws SQLException {
		SortedMap<Long, SortedMap<LocalDate, List<String>>> suspects = loadSuspects(connection, block);
		if (suspects.isEmpty()) {
			return List.of();
		}
		Map<Long, UserProfile> profiles = loadUsers(connection, suspects.keySet());
		Windows windows = new Windows();
		Map<Metric, Windows> lookbackWindows = new EnumMap<>(Metric.class);
		suspects.forEach((userId, days) -> {
			UserProfile user = profiles.get(userId);
			if (user != null && !user.deleted()) {
				addWindows(windows, lookbackWindows, user, days.keySet());
			}
		});
		long started = System.nanoTime();
		Map<Long, List<Reading>> readings = (windows.isEmpty() && lookbackWindows.isEmpty()) ? Map.of()
				: loadReadings(connection, windows, lookbackWindows);
		long read = System.nanoTime();
		List<ReconcileWork> work = new ArrayList<>(suspects.size());
		suspects.forEach((userId, days) -> work
			.add(work(userId, profiles.get(userId), days, readings.getOrDefault(userId, List.of()), asOf)));
		if (logger.isDebugEnabled()) {
			logger.debug("{} users {}: {} windows, {} of lookback metrics, {} readings in {} ms, split in {} ms",
					suspects.size(), block, windows.size() + lookbackSize(lookbackWindows),
					lookbackSize(lookbackWindows), readings.values().stream().mapToInt(List::size).sum(),
					(read - started) / 1_000_000, (System.nanoTime() - read) / 1_000_000);
		}
		return work;
	}

	private void addWindows(Windows windows, Map<Metric, Windows> lookbackWindows, UserProfile user,
			Set<LocalDate> days) {
		List<LocalDate[]> runs = DayRuns.of(days);
		for (Metric metric : this.inputMetrics) {
			boolean lookback = this.lookbackMetrics.contains(metric);
			int before = lookback ? this.lookbackDays : 0;
			Windows into = lookback ? lookbackWindows.computeIfAbsent(metric, (m) -> new Windows()) : windows;
			List<LocalDate[]> ranges = new ArrayList<>();
			for (LocalDate[] run : runs) {
				ranges.add(new LocalDate[] { run[0].minusDays(before), run[1] });
			}
			for (LocalDate[] range : DayRuns.merge(ranges)) {
				into.add(user.userId(), metric, range[0].atStartOfDay(user.timeZone()).toInstant(),
						range[1].plusDays(1).atStartOfDay(user.timeZone()).toInstant());
			}
		}
	}

	private ReconcileWork work(long userId, UserProfile user, SortedMap<LocalDate, List<String>> days,
			List<Reading> readings, Instant asOf) {
		boolean live = user != null && !user.deleted();
		long[] localDays = live ? localDays(readings, user) : new long[0];
		List<ScoreInputs> inputs = new ArrayList<>();
		for (LocalDate[] run : DayRuns.of(days.keySet())) {
			long first = run[0].toEpochDay();
			long last = run[1].toEpochDay();
			List<Reading> runReadings = new ArrayList<>();
			for (int i = 0; i < localDays.length; i++) {
				Reading reading = readings.get(i);
				boolean inRun = localDays[i] >= first && localDays[i] <= last;
				boolean inLookback = localDays[i] >= first - this.lookbackDays && localDays[i] < first
						&& this.lookbackMetrics.contains(reading.metric());
				if (inRun || inLookback) {
					runReadings.add(reading);
				}
			}
			inputs.add(new ScoreInputs(userId, user, run[0], run[1], runReadings));
		}
		return new ReconcileWork(userId, user, inputs, days, asOf);
	}

	private static long[] localDays(List<Reading> readings, UserProfile user) {
		ZoneRules zone = user.timeZone().getRules();
		long[] days = new long[readings.size()];
		for (int i = 0; i < days.length; i++) {
			Instant at = readings.get(i).recordedAt();
			days[i] = Math.floorDiv(at.getEpochSecond() + zone.getOffset(at).getTotalSeconds(), SECONDS_PER_DAY);
		}
		return days;
	}

	private SortedMap<Long, SortedMap<LocalDate, List<String>>> loadSuspects(Connection connection, Users block)
			throws SQLException {
		SortedMap<Long, SortedMap<LocalDate, List<String>>> suspects = new TreeMap<>();
		try (PreparedStatement ps = connection.prepareStatement(SUSPECTS_SQL)) {
			ps.setLong(1, this.jobInstanceId);
			ps.setLong(2, block.first());
			ps.setLong(3, block.last());
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					List<String> reasons = Arrays.asList((String[]) rs.getArray(3).getArray());
					suspects.computeIfAbsent(rs.getLong(1), (id) -> new TreeMap<>())
						.put(rs.getObject(2, LocalDate.class), List.copyOf(reasons));
				}
			}
		}
		return suspects;
	}

	private static Map<Long, UserProfile> loadUsers(Connection connection, Set<Long> ids) throws SQLException {
		Map<Long, UserProfile> profiles = new HashMap<>();
		try (PreparedStatement ps = connection.prepareStatement(USERS_SQL)) {
			ps.setArray(1, connection.createArrayOf("int8", ids.toArray()));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					long id = rs.getLong(1);
					profiles.put(id, UserTimeZones.profile(id, rs.getString(2), rs.getInt(3), rs.getBoolean(4)));
				}
			}
		}
		return profiles;
	}

	private static int lookbackSize(Map<Metric, Windows> lookbackWindows) {
		return lookbackWindows.values().stream().mapToInt(Windows::size).sum();
	}

	/**
	 * The query of every window: metric names are the enum's own, the other values
	 * numbers and instants, so the literals hold no text from outside.
	 */
	static String readingsQuery(Windows windows, Map<Metric, Windows> lookbackWindows) {
		List<String> parts = new ArrayList<>();
		if (!windows.isEmpty()) {
			parts.add(READINGS.formatted(windows.users(), windows.metrics(), windows.lows(), windows.highs()));
		}
		lookbackWindows.forEach((metric, of) -> parts
			.add(LOOKBACK_READINGS.formatted(metric.columnValue(), of.users(), of.lows(), of.highs())));
		return "COPY (" + String.join("\nUNION ALL\n", parts) + ") TO STDOUT (FORMAT binary)";
	}

	private Map<Long, List<Reading>> loadReadings(Connection connection, Windows windows,
			Map<Metric, Windows> lookbackWindows) throws SQLException {
		String sql = readingsQuery(windows, lookbackWindows);
		Map<Long, List<Reading>> byUser = new HashMap<>();
		// one per load: blocks are loaded on several threads at once, and a decoder
		// learns the sources it meets
		ReadingCopyDecoder decoder = new ReadingCopyDecoder(this.inputMetrics);
		try (PgBinaryCopyReader copy = new PgBinaryCopyReader(
				new PGCopyInputStream(connection.unwrap(PGConnection.class), sql))) {
			while (copy.nextRow() >= 0) {
				long userId = copy.int8();
				byUser.computeIfAbsent(userId, (id) -> new ArrayList<>()).add(decoder.reading(copy, userId));
			}
		}
		catch (IOException ex) {
			throw new SQLException(String.format(Locale.ROOT, "Cannot read the readings of %d suspect windows: %s",
					windows.size() + lookbackSize(lookbackWindows), ex.getMessage()), ex);
		}
		return byUser;
	}

	/** A block of users with suspects: the ids {@code first..last}, both included. */
	record Users(long first, long last) {

		@Override
		public String toString() {
			return first + ".." + last;
		}

	}

}
