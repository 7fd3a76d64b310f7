package dev.healthscore.jobs.demo;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import dev.healthscore.io.synthetic.GenerationSummary;
import dev.healthscore.jobs.cli.JobRunner;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the demo prints at its end: readings read, user-days scored, the score
 * distribution, quarantined readings by reason and time taken, all queried from the
 * database.
 *
 * @param readingsInRange readings of the scored metrics in the scored range
 * @param userDays score rows in the range
 * @param nullScores score rows whose completeness was too low for a score
 * @param distribution score rows per score band of ten, lowest band first
 * @param quarantined quarantined readings by reason, as "reason: count"
 */
public record DemoReport(long readingsInRange, long userDays, long nullScores, List<long[]> distribution,
		List<String> quarantined) {

	/** Queries the report for the local days {@code first..last}. */
	public static DemoReport query(DataSource dataSource, LocalDate first, LocalDate last) {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		long readings = jdbc.queryForObject("""
				SELECT count(*) FROM health_reading WHERE metric <> 'heart_rate'
				AND recorded_at >= ?::date - 1 AND recorded_at < ?::date + 2""", Long.class, first, last);
		long userDays = jdbc.queryForObject("SELECT count(*) FROM health_score WHERE score_date BETWEEN ? AND ?",
				Long.class, first, last);
		long nulls = jdbc.queryForObject(
				"SELECT count(*) FROM health_score WHERE score IS NULL AND score_date BETWEEN ? AND ?", Long.class,
				first, last);
		List<long[]> distribution = jdbc.query("""
				SELECT least(score / 10, 9) AS band, count(*) FROM health_score
				WHERE score IS NOT NULL AND score_date BETWEEN ? AND ? GROUP BY 1 ORDER BY 1""",
				(rs, i) -> new long[] { rs.getLong(1), rs.getLong(2) }, first, last);
		List<String> quarantined = jdbc.query(
				"SELECT reason, count(*) FROM quarantined_reading GROUP BY reason ORDER BY count(*) DESC",
				(rs, i) -> String.format(Locale.ROOT, "%s: %,d", rs.getString(1), rs.getLong(2)));
		return new DemoReport(readings, userDays, nulls, distribution, quarantined);
	}

	/** The report as text. */
	public String format(GenerationSummary generated, JobRunner.Outcome outcome, long recomputeNanos, long totalNanos) {
		List<String> lines = new ArrayList<>();
		lines.add("");
		lines.add("=== health-score demo ===");
		lines.add(String.format(Locale.ROOT, "generated:        %,d users, %,d readings (%,d invalid) in %.1f s",
				generated.users(), generated.readings(), generated.invalidReadings(),
				generated.elapsed().toMillis() / 1000.0));
		lines.add(String.format(Locale.ROOT, "recompute:        %s in %.1f s (exit code %d)",
				(outcome.execution() != null) ? outcome.execution().getStatus() : "not started", recomputeNanos / 1e9,
				outcome.exitCode().code()));
		lines.add(String.format(Locale.ROOT,
				"readings read:    %,d (steps, active minutes, sleep, resting HR; with the 28-day lookback: more)",
				this.readingsInRange));
		lines.add(String.format(Locale.ROOT, "user-days scored: %,d (%,d without a score: completeness below 0.5)",
				this.userDays, this.nullScores));
		lines.add("score distribution:");
		long max = this.distribution.stream().mapToLong((band) -> band[1]).max().orElse(1);
		for (long[] band : this.distribution) {
			String label = (band[0] == 9) ? "90-100"
					: String.format(Locale.ROOT, "%d-%d", band[0] * 10, band[0] * 10 + 9);
			lines.add(
					String.format(Locale.ROOT, "  %6s %8d %s", label, band[1], "#".repeat((int) (40 * band[1] / max))));
		}
		lines.add("quarantined readings by reason:");
		this.quarantined.forEach((line) -> lines.add("  " + line));
		lines.add(String.format(Locale.ROOT, "time so far:      %.1f s (generate and recompute; the archive follows)",
				totalNanos / 1e9));
		return String.join(System.lineSeparator(), lines);
	}

}
