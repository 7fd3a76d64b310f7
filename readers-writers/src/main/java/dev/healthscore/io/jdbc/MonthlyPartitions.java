package dev.healthscore.io.jdbc;

import java.time.LocalDate;
import java.time.YearMonth;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.Assert;

/**
 * Creates the monthly partitions of {@code health_reading} and {@code health_score} that
 * a date range needs, through the {@code healthscore_ensure_partitions} database
 * function.
 */
public class MonthlyPartitions {

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
		Integer created = this.jdbc.queryForObject("SELECT healthscore_ensure_partitions(?::regclass, ?, ?)",
				Integer.class, table, first.atDay(1), last.atDay(1));
		return (created != null) ? created : 0;
	}

	/** Ensures partitions of {@code table} for the months of {@code first..last}. */
	public int ensure(String table, LocalDate first, LocalDate last) {
		return ensure(table, YearMonth.from(first), YearMonth.from(last));
	}

}
