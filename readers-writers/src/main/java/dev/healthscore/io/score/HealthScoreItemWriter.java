package dev.healthscore.io.score;

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
 * Writes a chunk of users' scores, with their input fingerprints, to {@code health_score}
 * with one bulk upsert, and deletes the rows of those users in the scored day range that
 * no longer have a score (their inputs became invalid or disappeared), marked as
 * {@link OwnDeletes} so that the change log does not take them for missing scores. Runs
 * in the step's transaction.
 */
public class HealthScoreItemWriter implements ItemWriter<ScoredUser> {

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
		ScoreRows columns = new ScoreRows();
		List<Long> users = new ArrayList<>(chunk.size());
		for (ScoredUser item : chunk) {
			users.add(item.userId());
			Timestamp inputsAsOf = Timestamp.from(item.inputsAsOf());
			for (DailyScore score : item.result().scores()) {
				columns.add(score, inputsAsOf, item.fingerprints().get(score.day()));
			}
		}
		Connection connection = DataSourceUtils.getConnection(this.dataSource);
		try {
			deleteStale(connection, users, columns);
			if (!columns.isEmpty()) {
				columns.upsert(connection);
			}
		}
		finally {
			DataSourceUtils.releaseConnection(connection, this.dataSource);
		}
	}

	private void deleteStale(Connection connection, List<Long> users, ScoreRows columns) throws SQLException {
		OwnDeletes.mark(connection);
		try (PreparedStatement ps = connection.prepareStatement(DELETE_STALE_SQL)) {
			ps.setArray(1, connection.createArrayOf("int8", users.toArray(Long[]::new)));
			ps.setObject(2, this.firstDay);
			ps.setObject(3, this.lastDay);
			ps.setArray(4, connection.createArrayOf("int8", columns.userIds()));
			ps.setArray(5, connection.createArrayOf("date", columns.dayTexts()));
			ps.executeUpdate();
		}
	}

}
