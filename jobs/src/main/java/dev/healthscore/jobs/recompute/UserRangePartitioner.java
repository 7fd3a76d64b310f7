package dev.healthscore.jobs.recompute;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.healthscore.io.reading.UserShards;

import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Splits the users (of one shard) into contiguous user-id ranges of about equal user
 * counts, one per partition: {@code (minUserId, maxUserId]}. The first range starts below
 * every id and the last ends above every id, so readings of users missing from
 * {@code app_user} still fall in a range and are quarantined.
 */
class UserRangePartitioner implements Partitioner {

	/** Execution-context key of a partition's exclusive lower user id. */
	static final String MIN_USER_ID = "minUserId";

	/** Execution-context key of a partition's inclusive upper user id. */
	static final String MAX_USER_ID = "maxUserId";

	private static final String BOUNDS_SQL = """
			SELECT max(user_id) FROM (
			  SELECT user_id, ntile(?) OVER (ORDER BY user_id) AS part FROM app_user WHERE true %s) parts
			GROUP BY part ORDER BY part""";

	private final JdbcTemplate jdbc;

	private final int shardIndex;

	private final int shardCount;

	UserRangePartitioner(DataSource dataSource, int shardIndex, int shardCount) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.shardIndex = shardIndex;
		this.shardCount = shardCount;
	}

	@Override
	public Map<String, ExecutionContext> partition(int gridSize) {
		String shard = UserShards.condition(this.shardIndex, this.shardCount);
		List<Long> upper = this.jdbc.queryForList(BOUNDS_SQL.formatted(shard), Long.class, Math.max(1, gridSize));
		Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
		long lower = Long.MIN_VALUE;
		for (int i = 0; i < upper.size(); i++) {
			long high = (i == upper.size() - 1) ? Long.MAX_VALUE : upper.get(i);
			partitions.put("partition" + i, range(lower, high));
			lower = high;
		}
		if (partitions.isEmpty()) {
			partitions.put("partition0", range(Long.MIN_VALUE, Long.MAX_VALUE));
		}
		return partitions;
	}

	private static ExecutionContext range(long lower, long upper) {
		ExecutionContext context = new ExecutionContext();
		context.putLong(MIN_USER_ID, lower);
		context.putLong(MAX_USER_ID, upper);
		return context;
	}

}
