package dev.healthscore.io.score;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.Rejection;

import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.util.Assert;

/**
 * Records a chunk's rejected readings in {@code quarantined_reading}, once per reading
 * key: a reading already quarantined keeps its first reason and first-seen time. A
 * reading whose value is {@code NULL} is recorded with a {@code NULL} value (and the
 * reason {@code null_value}), not as {@code NaN}.
 */
public class QuarantineItemWriter implements ItemWriter<ScoredUser> {

	private static final String INSERT_SQL = """
			INSERT INTO quarantined_reading (user_id, metric, recorded_at, source, value, ingested_at, reason,
			                                 job_execution_id)
			SELECT u, m, r, s, v, i, reason, ?
			FROM unnest(?::bigint[], ?::text[], ?::timestamptz[], ?::text[], ?::float8[], ?::timestamptz[], ?::text[])
			     AS n(u, m, r, s, v, i, reason)
			ON CONFLICT (user_id, metric, recorded_at, source) DO NOTHING""";

	private final DataSource dataSource;

	private final Long jobExecutionId;

	/**
	 * Creates a writer.
	 * @param dataSource the primary database
	 * @param jobExecutionId the job execution that found the rejections, or {@code null}
	 */
	public QuarantineItemWriter(DataSource dataSource, Long jobExecutionId) {
		Assert.notNull(dataSource, "A dataSource is required");
		this.dataSource = dataSource;
		this.jobExecutionId = jobExecutionId;
	}

	@Override
	public void write(Chunk<? extends ScoredUser> chunk) throws SQLException {
		List<Rejection> rejections = new ArrayList<>();
		for (ScoredUser item : chunk) {
			rejections.addAll(item.result().rejections());
		}
		if (rejections.isEmpty()) {
			return;
		}
		int n = rejections.size();
		Object[] users = new Object[n];
		Object[] metrics = new Object[n];
		Object[] recorded = new Object[n];
		Object[] sources = new Object[n];
		Object[] values = new Object[n];
		Object[] ingested = new Object[n];
		Object[] reasons = new Object[n];
		for (int i = 0; i < n; i++) {
			Reading reading = rejections.get(i).reading();
			users[i] = reading.userId();
			metrics[i] = reading.metric().columnValue();
			recorded[i] = Timestamp.from(reading.recordedAt());
			sources[i] = reading.source();
			// a NULL value stays NULL: NaN would say the reading had a value
			values[i] = reading.valueNull() ? null : reading.value();
			ingested[i] = Timestamp.from(reading.ingestedAt());
			reasons[i] = rejections.get(i).reason().code();
		}
		Connection connection = DataSourceUtils.getConnection(this.dataSource);
		try (PreparedStatement ps = connection.prepareStatement(INSERT_SQL)) {
			ps.setObject(1, this.jobExecutionId, java.sql.Types.BIGINT);
			ps.setArray(2, connection.createArrayOf("int8", users));
			ps.setArray(3, connection.createArrayOf("text", metrics));
			ps.setArray(4, connection.createArrayOf("timestamptz", recorded));
			ps.setArray(5, connection.createArrayOf("text", sources));
			ps.setArray(6, connection.createArrayOf("float8", values));
			ps.setArray(7, connection.createArrayOf("timestamptz", ingested));
			ps.setArray(8, connection.createArrayOf("text", reasons));
			ps.executeUpdate();
		}
		finally {
			DataSourceUtils.releaseConnection(connection, this.dataSource);
		}
	}

}
