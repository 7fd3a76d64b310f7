package dev.healthscore.io.score;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

import dev.healthscore.scoring.DailyScore;

/**
 * Score rows column by column, written with one bulk upsert that stores each row's input
 * fingerprint and seals the row with {@code healthscore_score_row_hash}.
 */
final class ScoreRows {

	private static final String UPSERT_SQL = """
			INSERT INTO health_score (user_id, score_date, score, activity_score, sleep_score, heart_score,
			                          completeness, algorithm_version, inputs_as_of, computed_at,
			                          input_count, input_hash, row_hash)
			SELECT u, d, s, a, sl, h, c, v, t, clock_timestamp(), ic, ih,
			       healthscore_score_row_hash(u, d, s, a, sl, h, c, v, ic, ih)
			FROM unnest(?::bigint[], ?::date[], ?::smallint[], ?::smallint[], ?::smallint[], ?::smallint[],
			            ?::real[], ?::integer[], ?::timestamptz[], ?::integer[], ?::bigint[])
			     AS n(u, d, s, a, sl, h, c, v, t, ic, ih)
			ON CONFLICT (user_id, score_date) DO UPDATE SET
			  score = excluded.score, activity_score = excluded.activity_score,
			  sleep_score = excluded.sleep_score, heart_score = excluded.heart_score,
			  completeness = excluded.completeness, algorithm_version = excluded.algorithm_version,
			  inputs_as_of = excluded.inputs_as_of, computed_at = excluded.computed_at,
			  input_count = excluded.input_count, input_hash = excluded.input_hash, row_hash = excluded.row_hash""";

	private final List<Long> users = new ArrayList<>();

	private final List<String> days = new ArrayList<>();

	private final List<Integer> scores = new ArrayList<>();

	private final List<Integer> activity = new ArrayList<>();

	private final List<Integer> sleep = new ArrayList<>();

	private final List<Integer> heart = new ArrayList<>();

	private final List<Float> completeness = new ArrayList<>();

	private final List<Integer> versions = new ArrayList<>();

	private final List<Timestamp> asOf = new ArrayList<>();

	private final List<Integer> inputCounts = new ArrayList<>();

	private final List<Long> inputHashes = new ArrayList<>();

	/**
	 * Adds a row.
	 * @param fingerprint the fingerprint of the score's inputs, or {@code null}
	 */
	void add(DailyScore score, Timestamp inputsAsOf, InputFingerprint fingerprint) {
		this.users.add(score.userId());
		this.days.add(score.day().toString());
		this.scores.add(score.score());
		this.activity.add(score.activityScore());
		this.sleep.add(score.sleepScore());
		this.heart.add(score.heartScore());
		this.completeness.add((float) score.completeness());
		this.versions.add(score.algorithmVersion());
		this.asOf.add(inputsAsOf);
		this.inputCounts.add((fingerprint != null) ? fingerprint.count() : null);
		this.inputHashes.add((fingerprint != null) ? fingerprint.hash() : null);
	}

	boolean isEmpty() {
		return this.users.isEmpty();
	}

	/**
	 * Inserts the rows, or updates them where their key exists. The numbers go as typed
	 * arrays ({@code Long[]}, {@code Integer[]}, {@code Float[]}), which pgjdbc sends in
	 * binary; an {@code Object[]} it would turn into text element by element, and
	 * PostgreSQL parse back.
	 */
	void upsert(Connection connection) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement(UPSERT_SQL)) {
			ps.setArray(1, connection.createArrayOf("int8", userIds()));
			ps.setArray(2, connection.createArrayOf("date", dayTexts()));
			ps.setArray(3, ints(connection, this.scores));
			ps.setArray(4, ints(connection, this.activity));
			ps.setArray(5, ints(connection, this.sleep));
			ps.setArray(6, ints(connection, this.heart));
			ps.setArray(7, connection.createArrayOf("float4", this.completeness.toArray(Float[]::new)));
			ps.setArray(8, ints(connection, this.versions));
			ps.setArray(9, connection.createArrayOf("timestamptz", asOfTexts()));
			ps.setArray(10, ints(connection, this.inputCounts));
			ps.setArray(11, connection.createArrayOf("int8", this.inputHashes.toArray(Long[]::new)));
			ps.executeUpdate();
		}
	}

	/** The rows' user ids, for an {@code int8[]} parameter. */
	Long[] userIds() {
		return this.users.toArray(Long[]::new);
	}

	/** The rows' days ({@code YYYY-MM-DD}), for a {@code date[]} parameter. */
	String[] dayTexts() {
		return this.days.toArray(String[]::new);
	}

	/**
	 * The rows' {@code inputs_as_of} as the text pgjdbc would make of each: the rows of
	 * one user share one {@link Timestamp}, formatted once.
	 */
	private String[] asOfTexts() {
		String[] texts = new String[this.asOf.size()];
		Timestamp last = null;
		String text = null;
		for (int i = 0; i < texts.length; i++) {
			Timestamp value = this.asOf.get(i);
			if (value != last) {
				last = value;
				text = (value != null) ? value.toString() : null;
			}
			texts[i] = text;
		}
		return texts;
	}

	private static Array ints(Connection connection, List<Integer> values) throws SQLException {
		return connection.createArrayOf("int4", values.toArray(Integer[]::new));
	}

}
