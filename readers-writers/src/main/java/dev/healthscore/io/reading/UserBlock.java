package dev.healthscore.io.reading;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.TreeMap;

import dev.healthscore.io.jdbc.PgBinaryCopyReader;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.UserProfile;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

/**
 * Loads the scoring inputs of one block of users, {@code (afterUserId, lastUserId]}, with
 * two short queries in one read-only transaction.
 */
final class UserBlock {

	private static final String USERS_SQL = """
			SELECT user_id, time_zone, daily_step_goal, deleted_at IS NOT NULL
			FROM app_user WHERE user_id > ? AND user_id <= ? %s ORDER BY user_id LIMIT ?""";

	private static final String SELECTED_USERS_SQL = """
			SELECT user_id, time_zone, daily_step_goal, deleted_at IS NOT NULL
			FROM app_user WHERE user_id = ANY(?) ORDER BY user_id""";

	/**
	 * Readings are streamed with binary {@code COPY}, which costs a fraction of a result
	 * set to decode; COPY takes no bind parameters, so the query is built from typed
	 * values only.
	 */
	private static final String READINGS_COPY = """
			COPY (SELECT user_id, metric, recorded_at, value, source, ingested_at
			      FROM health_reading
			      WHERE user_id > %d AND user_id <= %d AND metric = ANY(ARRAY[%s])
			        AND recorded_at >= '%s'::timestamptz AND recorded_at < '%s'::timestamptz%s%s)
			TO STDOUT (FORMAT binary)""";

	private final ReadingCopyDecoder decoder;

	private final ReadWindow window;

	/**
	 * {@code AND <user is in this shard>}, or empty: users are spread over shards by id.
	 */
	private final String shardFilter;

	private final int shardIndex;

	private final int shardCount;

	UserBlock(ReadWindow window, int shardIndex, int shardCount) {
		this.window = window;
		this.shardFilter = UserShards.condition(shardIndex, shardCount);
		this.shardIndex = shardIndex;
		this.shardCount = shardCount;
		this.decoder = new ReadingCopyDecoder(window.metrics());
	}

	/**
	 * Loads the next block of users after {@code afterUserId}, up to {@code maxUserId}.
	 * @param selected when not {@code null}, the sorted user ids to restrict the block to
	 * (those of the shard greater than {@code afterUserId}, at most {@code size} of them)
	 * @param inputsAsOf the point the connection's data is complete to, or {@code null}
	 * for the start of the read transaction (on a primary)
	 * @return the users' work in user id order, and whether no users are left after it
	 */
	Loaded load(Connection connection, long afterUserId, long maxUserId, int size, long[] selected, Instant inputsAsOf)
			throws SQLException {
		Instant asOf = (inputsAsOf != null) ? inputsAsOf : transactionStart(connection);
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

	/**
	 * The next listed users of the shard: a listed user of another shard is that shard's,
	 * and its readings are filtered out here; handed out without them, its scores would
	 * be written as none, deleting the rows the other shard writes.
	 */
	private long[] nextSelected(long[] selected, long afterUserId, long maxUserId, int size) {
		return Arrays.stream(selected)
			.filter((id) -> id > afterUserId && id <= maxUserId
					&& UserShards.contains(id, this.shardIndex, this.shardCount))
			.limit(size)
			.toArray();
	}

	private static Instant transactionStart(Connection connection) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement("SELECT now()"); ResultSet rs = ps.executeQuery()) {
			rs.next();
			return rs.getTimestamp(1).toInstant();
		}
	}

	private void loadUsers(Connection connection, long afterUserId, long maxUserId, int size, long[] ids,
			Map<Long, UserProfile> profiles) throws SQLException {
		try (PreparedStatement ps = connection
			.prepareStatement((ids != null) ? SELECTED_USERS_SQL : USERS_SQL.formatted(this.shardFilter))) {
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
					profiles.put(id, UserTimeZones.profile(id, rs.getString(2), rs.getInt(3), rs.getBoolean(4)));
				}
			}
		}
	}

	private TreeMap<Long, List<Reading>> loadReadings(Connection connection, long afterUserId, long upper, long[] ids)
			throws SQLException {
		String selected = (ids != null) ? " AND user_id = ANY(ARRAY[%s]::bigint[])"
			.formatted(Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(","))) : "";
		String sql = String.format(Locale.ROOT, READINGS_COPY, afterUserId, upper, this.window.metricList(),
				this.window.fromInclusive(), this.window.toExclusive(), selected, this.shardFilter);
		TreeMap<Long, List<Reading>> byUser = new TreeMap<>();
		try (PgBinaryCopyReader copy = new PgBinaryCopyReader(
				new PGCopyInputStream(connection.unwrap(PGConnection.class), sql))) {
			List<Reading> current = null;
			long currentUser = Long.MIN_VALUE;
			while (copy.nextRow() >= 0) {
				long userId = copy.int8();
				if (current == null || userId != currentUser) {
					current = byUser.computeIfAbsent(userId, (id) -> new ArrayList<>());
					currentUser = userId;
				}
				current.add(this.decoder.reading(copy, userId));
			}
		}
		catch (IOException ex) {
			throw new SQLException(String.format(Locale.ROOT, "Cannot read readings of users (%d, %d]: %s", afterUserId,
					upper, ex.getMessage()), ex);
		}
		return byUser;
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

		String metricList() {
			return Arrays.stream(this.metrics).map((m) -> "'" + m.columnValue() + "'").collect(Collectors.joining(","));
		}

	}

}
