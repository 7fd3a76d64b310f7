package dev.healthscore.io.score;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

import dev.healthscore.scoring.DailyScore;

/**
 * Inserts the audit rows of corrected scores into {@code score_correction} with one bulk
 * insert: user, day, old and new score, components, completeness and version, the
 * reasons, the job execution; the time is the insert's.
 */
final class Corrections {

	private static final String INSERT_SQL = """
			INSERT INTO score_correction (user_id, score_date, old_score, new_score, old_activity_score,
			    new_activity_score, old_sleep_score, new_sleep_score, old_heart_score, new_heart_score,
			    old_completeness, new_completeness, old_algorithm_version, new_algorithm_version, reasons,
			    job_execution_id)
			SELECT u, d, os, ns, oa, na, osl, nsl, oh, nh, oc, nc, ov, nv, string_to_array(r, ','), ?
			FROM unnest(?::bigint[], ?::date[], ?::smallint[], ?::smallint[], ?::smallint[], ?::smallint[],
			            ?::smallint[], ?::smallint[], ?::smallint[], ?::smallint[], ?::real[], ?::real[],
			            ?::integer[], ?::integer[], ?::text[])
			     AS n(u, d, os, ns, oa, na, osl, nsl, oh, nh, oc, nc, ov, nv, r)""";

	private final Long jobExecutionId;

	Corrections(Long jobExecutionId) {
		this.jobExecutionId = jobExecutionId;
	}

	/** Inserts one audit row per correcting change; other changes are skipped. */
	void insert(Connection connection, List<ScoreChange> changes) throws SQLException {
		List<List<Object>> columns = new ArrayList<>();
		for (int i = 0; i < 15; i++) {
			columns.add(new ArrayList<>());
		}
		for (ScoreChange change : changes) {
			if (change.kind().corrects()) {
				addRow(columns, change);
			}
		}
		if (columns.get(0).isEmpty()) {
			return;
		}
		String[] types = { "int8", "date", "int4", "int4", "int4", "int4", "int4", "int4", "int4", "int4", "float4",
				"float4", "int4", "int4", "text" };
		try (PreparedStatement ps = connection.prepareStatement(INSERT_SQL)) {
			ps.setObject(1, this.jobExecutionId, Types.BIGINT);
			for (int i = 0; i < types.length; i++) {
				ps.setArray(i + 2, connection.createArrayOf(types[i], columns.get(i).toArray()));
			}
			ps.executeUpdate();
		}
	}

	private static void addRow(List<List<Object>> columns, ScoreChange change) {
		StoredScore before = change.before();
		DailyScore after = change.after();
		Object[] row = { change.userId(), change.day().toString(), (before != null) ? before.score() : null,
				(after != null) ? after.score() : null, (before != null) ? before.activityScore() : null,
				(after != null) ? after.activityScore() : null, (before != null) ? before.sleepScore() : null,
				(after != null) ? after.sleepScore() : null, (before != null) ? before.heartScore() : null,
				(after != null) ? after.heartScore() : null, (before != null) ? before.completeness() : null,
				(after != null) ? (float) after.completeness() : null,
				(before != null) ? before.algorithmVersion() : null, (after != null) ? after.algorithmVersion() : null,
				String.join(",", change.reasons()) };
		for (int i = 0; i < row.length; i++) {
			columns.get(i).add(row[i]);
		}
	}

}
