package dev.healthscore.io.score;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.healthscore.scoring.DailyScore;

import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.util.Assert;

/**
 * Writes a chunk of users' scores to {@code health_score} with one bulk upsert, and
 * deletes the rows of those users in the scored day range that no longer have a score
 * (their inputs became invalid or disappeared). Runs in the step's transaction.
 */
public class HealthScoreItemWriter implements ItemWriter<ScoredUser> {

	private static final String UPSERT_SQL = """
			INSERT INTO health_score (user_id, score_date, score, activity_score, sleep_score, heart_score,
			                          completeness, algorithm_version, inputs_as_of, computed_at)
			SELECT u, d, s, a, sl, h, c, v, t, clock_timestamp()
			FROM unnest(?::bigint[], ?::date[], ?::smallint[], ?::smallint[], ?::smallint[], ?::smallint[],
			            ?::real[], ?::integer[], ?::timestamptz[]) AS n(u, d, s, a, sl, h, c, v, t)
			ON CONFLICT (user_id, score_date) DO UPDATE SET
			  score = excluded.score, activity_score = excluded.activity_score,
			  sleep_score = excluded.sleep_score, heart_score = excluded.heart_score,
			  completeness = excluded.completeness, algorithm_version = excluded.algorithm_version,
			  inputs_as_of = excluded.inputs_as_of, computed_at = excluded.computed_at""";

	private static final String DELETE_STALE_SQL = """
			DELETE FROM health_score s
			WHERE s.user_id = ANY(?::bigint[]) AND s.score_date BETWEEN ? AND ?
			  AND NOT EXISTS (SELECT 1 FROM unnest(?::bigint[], ?::date[]) AS n(u, d)
			                  WHERE n.u = s.user_id AND n.d = s.score_date)""";

	private final DataSource dataSource;

	private final LocalDate firstDay;

	private final LocalDate lastDay;

	/**
	 * Creates a writer for scores of the days {@code firstDay..lastDay}.
	 * @param dataSource the primary database
	 */
	public HealthScoreItemWriter(DataSource dataSource, LocalDate firstDay, LocalDate lastDay) {
		Assert.notNull(dataSource, "A dataSource is required");
		Assert.isTrue(firstDay != null && lastDay != null && !lastDay.isBefore(firstDay),
				() -> "Invalid day range: %s..%s".formatted(firstDay, lastDay));
		this.dataSource = dataSource;
		this.firstDay = firstDay;
		this.lastDay = lastDay;
	}

	@Override
	public void write(Chunk<? extends ScoredUser> chunk) throws SQLException {
		Columns columns = new Columns();
		List<Long> users = new ArrayList<>(chunk.size());
		for (ScoredUser item : chunk) {
			users.add(item.userId());
			for (DailyScore score : item.result().scores()) {
				columns.add(score, Timestamp.from(item.inputsAsOf()));
			}
		}
		Connection connection = DataSourceUtils.getConnection(this.dataSource);
		try {
			deleteStale(connection, users, columns);
			if (!columns.users.isEmpty()) {
				upsert(connection, columns);
			}
		}
		finally {
			DataSourceUtils.releaseConnection(connection, this.dataSource);
		}
	}

	private void deleteStale(Connection connection, List<Long> users, Columns columns) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement(DELETE_STALE_SQL)) {
			ps.setArray(1, connection.createArrayOf("int8", users.toArray()));
			ps.setObject(2, this.firstDay);
			ps.setObject(3, this.lastDay);
			ps.setArray(4, connection.createArrayOf("int8", columns.users.toArray()));
			ps.setArray(5, connection.createArrayOf("date", columns.days.toArray()));
			ps.executeUpdate();
		}
	}

	private static void upsert(Connection connection, Columns c) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement(UPSERT_SQL)) {
			ps.setArray(1, connection.createArrayOf("int8", c.users.toArray()));
			ps.setArray(2, connection.createArrayOf("date", c.days.toArray()));
			ps.setArray(3, ints(connection, c.scores));
			ps.setArray(4, ints(connection, c.activity));
			ps.setArray(5, ints(connection, c.sleep));
			ps.setArray(6, ints(connection, c.heart));
			ps.setArray(7, connection.createArrayOf("float4", c.completeness.toArray()));
			ps.setArray(8, ints(connection, c.versions));
			ps.setArray(9, connection.createArrayOf("timestamptz", c.asOf.toArray()));
			ps.executeUpdate();
		}
	}

	private static Array ints(Connection connection, List<Integer> values) throws SQLException {
		return connection.createArrayOf("int4", values.toArray());
	}

	/** The scores of a chunk, column by column, as the upsert binds them. */
	private static final class Columns {

		final List<Long> users = new ArrayList<>();

		final List<String> days = new ArrayList<>();

		final List<Integer> scores = new ArrayList<>();

		final List<Integer> activity = new ArrayList<>();

		final List<Integer> sleep = new ArrayList<>();

		final List<Integer> heart = new ArrayList<>();

		final List<Float> completeness = new ArrayList<>();

		final List<Integer> versions = new ArrayList<>();

		final List<Timestamp> asOf = new ArrayList<>();

		void add(DailyScore score, Timestamp inputsAsOf) {
			this.users.add(score.userId());
			this.days.add(score.day().toString());
			this.scores.add(score.score());
			this.activity.add(score.activityScore());
			this.sleep.add(score.sleepScore());
			this.heart.add(score.heartScore());
			this.completeness.add((float) score.completeness());
			this.versions.add(score.algorithmVersion());
			this.asOf.add(inputsAsOf);
		}

	}

}
