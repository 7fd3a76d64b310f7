package dev.healthscore.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Compares the stored scores with an independent SQL computation of DESIGN.md section 4
 * ({@code reference/score_v1.sql}).
 */
public final class ScoreAssertions {

	private ScoreAssertions() {
	}

	/**
	 * The reference query: rows (user_id, score_date, score, components, completeness).
	 */
	public static String referenceSql() {
		try (InputStream in = ScoreAssertions.class.getResourceAsStream("/reference/score_v1.sql")) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The (user, day) rows of {@code first..last} where the stored score and the
	 * reference differ, or that exist on one side only, described as text; empty when all
	 * agree.
	 */
	public static List<String> differences(JdbcTemplate jdbc, LocalDate first, LocalDate last) {
		// without statistics the planner picks nested loops over the CTEs: minutes
		// instead of ms
		jdbc.execute("ANALYZE app_user, health_reading, health_score");
		String sql = """
				WITH ref AS (%s)
				SELECT coalesce(r.user_id, s.user_id) AS user_id, coalesce(r.score_date, s.score_date) AS day,
				       row(r.score, r.activity_score, r.sleep_score, r.heart_score, r.completeness)::text AS expected,
				       row(s.score, s.activity_score, s.sleep_score, s.heart_score, s.completeness)::text AS actual
				FROM ref r
				FULL JOIN (SELECT * FROM health_score WHERE score_date BETWEEN ? AND ?) s
				  ON s.user_id = r.user_id AND s.score_date = r.score_date
				WHERE r.user_id IS NULL OR s.user_id IS NULL
				   OR r.score IS DISTINCT FROM s.score
				   OR r.activity_score IS DISTINCT FROM s.activity_score
				   OR r.sleep_score IS DISTINCT FROM s.sleep_score
				   OR r.heart_score IS DISTINCT FROM s.heart_score
				   OR r.completeness IS DISTINCT FROM s.completeness
				ORDER BY 1, 2 LIMIT 50""".formatted(referenceSql());
		return jdbc.query(sql, (rs, i) -> String.format(Locale.ROOT, "user %d day %s expected %s actual %s",
				rs.getLong(1), rs.getObject(2), rs.getString(3), rs.getString(4)), first, last, first, last);
	}

}
