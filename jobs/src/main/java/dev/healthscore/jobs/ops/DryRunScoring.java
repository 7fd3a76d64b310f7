package dev.healthscore.jobs.ops;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.healthscore.io.reading.ScoringWork;
import dev.healthscore.io.reading.UserReadingsItemReader;
import dev.healthscore.scoring.DailyScore;
import dev.healthscore.scoring.ScoringAlgorithm;

import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Scores a range with the same reader and algorithm as {@code recompute}, writing
 * nothing, and compares the result with the stored rows user by user.
 */
final class DryRunScoring {

	private static final String STORED_SQL = """
			SELECT score_date, score, activity_score, sleep_score, heart_score, completeness
			FROM health_score WHERE user_id = ? AND score_date BETWEEN ? AND ?""";

	private final DataSource dataSource;

	private final ScoringAlgorithm algorithm;

	DryRunScoring(DataSource dataSource, ScoringAlgorithm algorithm) {
		this.dataSource = dataSource;
		this.algorithm = algorithm;
	}

	ScoreDiff diff(LocalDate from, LocalDate to, long[] users) {
		UserReadingsItemReader reader = UserReadingsItemReader.builder()
			.name("dryRun")
			.dataSource(this.dataSource)
			.days(from, to)
			.lookbackDays(this.algorithm.lookbackDays())
			.metrics(this.algorithm.inputMetrics())
			.users(users)
			.build();
		JdbcTemplate jdbc = new JdbcTemplate(this.dataSource);
		ScoreDiff diff = new ScoreDiff();
		reader.open(new ExecutionContext());
		try {
			for (ScoringWork work = reader.read(); work != null; work = reader.read()) {
				compare(jdbc, work, from, to, diff);
			}
		}
		finally {
			reader.close();
		}
		return diff;
	}

	private void compare(JdbcTemplate jdbc, ScoringWork work, LocalDate from, LocalDate to, ScoreDiff diff) {
		List<DailyScore> fresh = this.algorithm.score(work.inputs()).scores();
		Map<LocalDate, Object[]> stored = new HashMap<>();
		jdbc.query(STORED_SQL, (rs) -> {
			stored.put(rs.getObject(1, LocalDate.class), new Object[] { rs.getObject(2), rs.getObject(3),
					rs.getObject(4), rs.getObject(5), rs.getFloat(6) });
		}, work.inputs().userId(), from, to);
		for (DailyScore score : fresh) {
			Object[] old = stored.remove(score.day());
			boolean same = old != null && java.util.Objects.equals(old[1], score.activityScore())
					&& java.util.Objects.equals(old[2], score.sleepScore())
					&& java.util.Objects.equals(old[3], score.heartScore())
					&& (float) old[4] == (float) score.completeness();
			diff.compare((old != null) ? (Integer) old[0] : null, score.score(), old != null, true, same);
		}
		stored.values().forEach((old) -> diff.compare((Integer) old[0], null, true, false, false));
	}

}
