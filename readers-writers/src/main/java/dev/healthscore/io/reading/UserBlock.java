package dev.healthscore.io.reading;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.UserProfile;

/**
 * Loads the scoring inputs of one block of users, {@code (afterUserId, lastUserId]}, with
 * two short queries in one read-only transaction.
 */
final class UserBlock {

	private static final String USERS_SQL = """
			SELECT user_id, time_zone, daily_step_goal, deleted_at IS NOT NULL
			FROM app_user WHERE user_id > ? AND user_id <= ? ORDER BY user_id LIMIT ?""";

	private static final String SELECTED_USERS_SQL = """
			SELECT user_id, time_zone, daily_step_goal, deleted_at IS NOT NULL
			FROM app_user WHERE user_id = ANY(?) ORDER BY user_id""";

	private static final String READINGS_SQL = """
			SELECT user_id, metric, recorded_at, value, source, ingested_at
			FROM health_reading
			WHERE user_id > ? AND user_id <= ? AND metric = ANY(?)
			  AND recorded_at >= ? AND recorded_at < ?""";

	private static final String SELECTED_READINGS_SQL = READINGS_SQL + " AND user_id = ANY(?)";

	private final Map<String, String> sources = new HashMap<>();

	private final ReadWindow window;

	UserBlock(ReadWindow window) {
		this.window = window;
	}

	/**
	 * Loads the next block of users after {@code afterUserId}, up to {@code maxUserId}.
	 * @param selected when not {@code null}, the sorted user ids to restrict the block to
	 * (those greater than {@code afterUserId}, at most {@code size} of them)
	 * @return the users' work in user id order, and whether no users are left after it
	 */
	Loaded load(Connection connection, long afterUserId, long maxUserId, int size, long[] selected)
			throws SQLException {
		Instant asOf = transactionStart(connection);
		TreeMap<Long, UserProfile> profiles = new TreeMap<>();
		long[] ids = (selected != null) ? nextSelected(selected, afterUserId, maxUserId, size) : null;
		if (ids != null && ids.length == 0) {
			return new Loaded(List.of(), true);
		}
		loadUsers(connection, afterUserId, maxUserId, size, ids, profiles);
		boolean last = (ids != null) ? ids.length < size : profiles.size() < size;
		long upper = (ids != null) ? ids[ids.length - 1] : (last ? maxUserId : profiles.lastKey());
		TreeMap<Long, List<Reading>> readings = loadReadings(connection, afterUserId, upper, ids);
		if (ids != null) {
			for (long id : ids) {
				readings.putIfAbsent(id, new ArrayList<>());
			}
		}
		for (Long id : profiles.keySet()) {
			readings.putIfAbsent(id, new ArrayList<>());
		}
		List<ScoringWork> work = new ArrayList<>(readings.size());
		readings.forEach((id, list) -> work.add(new ScoringWork(
				new ScoreInputs(id, profiles.get(id), this.window.firstDay(), this.window.lastDay(), list), asOf)));
		return new Loaded(work, last || upper == maxUserId);
	}

	private static long[] nextSelected(long[] selected, long afterUserId, long maxUserId, int size) {
		return Arrays.stream(selected).filter((id) -> id > afterUserId && id <= maxUserId).limit(size).toArray();
	}

	private static Instant transactionStart(Connection connection) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement("SELECT now()"); ResultSet rs = ps.executeQuery()) {
			rs.next();
			return rs.getTimestamp(1).toInstant();
		}
	}

	private static void loadUsers(Connection connection, long afterUserId, long maxUserId, int size, long[] ids,
			Map<Long, UserProfile> profiles) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement((ids != null) ? SELECTED_USERS_SQL : USERS_SQL)) {
			if (ids != null) {
				ps.setArray(1, connection.createArrayOf("int8", Arrays.stream(ids).boxed().toArray()));
			}
			else {
				ps.setLong(1, afterUserId);
				ps.setLong(2, maxUserId);
				ps.setInt(3, size);
			}
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					long id = rs.getLong(1);
					profiles.put(id, new UserProfile(id, ZoneId.of(rs.getString(2)), rs.getInt(3), rs.getBoolean(4)));
				}
			}
		}
	}

	private TreeMap<Long, List<Reading>> loadReadings(Connection connection, long afterUserId, long upper, long[] ids)
			throws SQLException {
		TreeMap<Long, List<Reading>> byUser = new TreeMap<>();
		try (PreparedStatement ps = connection.prepareStatement((ids != null) ? SELECTED_READINGS_SQL : READINGS_SQL)) {
			ps.setFetchSize(10_000);
			ps.setLong(1, afterUserId);
			ps.setLong(2, upper);
			ps.setArray(3, connection.createArrayOf("text", this.window.metricNames()));
			ps.setObject(4, this.window.fromInclusive().atOffset(ZoneOffset.UTC));
			ps.setObject(5, this.window.toExclusive().atOffset(ZoneOffset.UTC));
			if (ids != null) {
				ps.setArray(6, connection.createArrayOf("int8", Arrays.stream(ids).boxed().toArray()));
			}
			try (ResultSet rs = ps.executeQuery()) {
				List<Reading> current = null;
				long currentUser = Long.MIN_VALUE;
				while (rs.next()) {
					long userId = rs.getLong(1);
					if (current == null || userId != currentUser) {
						current = byUser.computeIfAbsent(userId, (id) -> new ArrayList<>());
						currentUser = userId;
					}
					current.add(reading(rs, userId));
				}
			}
		}
		return byUser;
	}

	private Reading reading(ResultSet rs, long userId) throws SQLException {
		Metric metric = this.window.metric(rs.getString(2));
		Timestamp recorded = rs.getTimestamp(3);
		double value = rs.getDouble(4);
		if (rs.wasNull()) {
			value = Double.NaN;
		}
		String source = this.sources.computeIfAbsent(rs.getString(5), (s) -> s);
		Timestamp ingested = rs.getTimestamp(6);
		return new Reading(userId, metric, recorded.toInstant(), value, source, ingested.toInstant());
	}

	/** A loaded block: the users' work, and whether it was the last block. */
	record Loaded(List<ScoringWork> work, boolean last) {

	}

	/** The day range being scored and the reading window it needs. */
	record ReadWindow(LocalDate firstDay, LocalDate lastDay, int lookbackDays, Metric[] metrics) {

		/**
		 * Local days lie within UTC-12..UTC+14 of UTC days: read one UTC day more each
		 * side.
		 */
		Instant fromInclusive() {
			return this.firstDay.minusDays(this.lookbackDays + 1L).atStartOfDay(ZoneOffset.UTC).toInstant();
		}

		Instant toExclusive() {
			return this.lastDay.plusDays(2).atStartOfDay(ZoneOffset.UTC).toInstant();
		}

		String[] metricNames() {
			String[] names = new String[this.metrics.length];
			for (int i = 0; i < names.length; i++) {
				names[i] = this.metrics[i].columnValue();
			}
			return names;
		}

		Metric metric(String columnValue) {
			for (Metric metric : this.metrics) {
				if (metric.columnValue().equals(columnValue)) {
					return metric;
				}
			}
			throw new IllegalStateException("Unexpected metric read: " + columnValue);
		}

	}

}
