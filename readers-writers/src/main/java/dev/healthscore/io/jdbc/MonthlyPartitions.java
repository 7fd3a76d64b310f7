package dev.healthscore.io.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLWarning;
import java.time.LocalDate;
import java.time.YearMonth;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;

/**
 * Creates the monthly partitions of {@code health_reading} and {@code health_score} that
 * a date range needs, through the {@code healthscore_ensure_partitions} database
 * function. A month whose rows the table's {@code DEFAULT} partition already holds (a
 * device whose clock runs ahead) gets its partition with those rows moved into it; the
 * function says so in a notice, logged here at INFO.
 */
public class MonthlyPartitions {

	private static final Logger logger = LoggerFactory.getLogger(MonthlyPartitions.class);

	/** How the function's notice of rows moved from the DEFAULT partition begins. */
	private static final String MOVED_NOTICE = "Created ";

	private final JdbcTemplate jdbc;

	public MonthlyPartitions(DataSource dataSource) {
		Assert.notNull(dataSource, "A dataSource is required");
		this.jdbc = new JdbcTemplate(dataSource);
	}

	/**
	 * Ensures partitions of {@code table} exist for every month from {@code first} to
	 * {@code last}, inclusive.
	 * @return how many partitions were created
	 */
	public int ensure(String table, YearMonth first, YearMonth last) {
		Assert.isTrue(!last.isBefore(first),
				() -> "Invalid month range, last month is before first: %s..%s".formatted(first, last));
		Integer created = this.jdbc.execute("SELECT healthscore_ensure_partitions(?::regclass, ?, ?)",
				(PreparedStatement statement) -> {
					statement.setString(1, table);
					statement.setObject(2, first.atDay(1));
					statement.setObject(3, last.atDay(1));
					int count;
					try (ResultSet result = statement.executeQuery()) {
						result.next();
						count = result.getInt(1);
					}
					for (SQLWarning notice = statement.getWarnings(); notice != null; notice = notice
						.getNextWarning()) {
						if (notice.getMessage() != null && notice.getMessage().startsWith(MOVED_NOTICE)) {
							logger.info("{}", notice.getMessage());
						}
					}
					return count;
				});
		return (created != null) ? created : 0;
	}

	/** Ensures partitions of {@code table} for the months of {@code first..last}. */
	public int ensure(String table, LocalDate first, LocalDate last) {
		return ensure(table, YearMonth.from(first), YearMonth.from(last));
	}

}
