package dev.healthscore.io.reconcile;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.healthscore.io.Durations;
import dev.healthscore.io.reading.UserTimeZones;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.ScoringAlgorithm;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.util.Assert;

/**
 * Finds, at a cost proportional to what changed, the (user, day) rows whose inputs
 * changed since the last reconcile of their days, and records them as suspects with their
 * reasons.
 * <p>
 * The changes are the readings ingested after that point ({@code late_data}, through the
 * index on {@code ingested_at}), the deleted and updated readings (moved to another
 * partition, or made valid or invalid by a new {@code ingested_at}, included) and the
 * changed, deleted and created users (created while readings of theirs exist) and the
 * score rows deleted outside the score writers, all logged by the triggers in
 * {@code score_input_change}. A reading change makes its local day suspect, and for a
 * lookback metric the next {@code lookbackDays} days that have a row; it is skipped for a
 * row computed after it (its {@code inputs_as_of}, less the margin, is later). A user
 * change makes every day of the range suspect; a deleted score row its day
 * ({@code score_deleted}) while it has no row: a row written since is as accurate as the
 * other changes let it be, and a deletion after this look is logged after it too.
 * <p>
 * The readings of a deleted user are no inputs, and are passed over, as those of a user
 * who no longer exists: every row of theirs is an orphan, found through their deletion, a
 * user change. So their time zone, which may be no zone id, is never converted to (see
 * {@link UserTimeZones}).
 * <p>
 * The point is the latest {@code reconcile_checkpoint} covering each day of the range (a
 * reconcile's, or a recompute's that scored every user, or those of every shard of a
 * sharded recompute), or, for days no checkpoint covers, the oldest {@code inputs_as_of}
 * of their rows; the oldest over the range counts. A day that no checkpoint covers may
 * have been scored for some users only ({@code recompute --users}, some shards of
 * several, a recompute that failed half-way) or not at all: every user-day with input
 * readings on it and no row is suspect ({@code unscored_day}), however long ago its
 * readings came. Timestamps are the writers' transaction starts, not commit times, so the
 * ingest margin is subtracted: a change committed up to that long after it was stamped is
 * still found.
 */
public class ChangedInputs {

	/**
	 * Per day, the latest point covered: by a checkpoint of all users, or by the shards'
	 * checkpoints of one shard count once every shard has one covering the day (the
	 * oldest of the shards' latest). {@code greatest} skips nulls.
	 */
	private static final String COVERAGE_SQL = """
			SELECT d.day::date AS day,
			       greatest((SELECT max(c.changes_as_of) FROM reconcile_checkpoint c
			                 WHERE d.day::date BETWEEN c.first_day AND c.last_day AND c.shard_count = 1),
			                (SELECT max(s.as_of)
			                 FROM (SELECT l.shard_count, min(l.latest) AS as_of
			                       FROM (SELECT c.shard_count, c.shard_index, max(c.changes_as_of) AS latest
			                             FROM reconcile_checkpoint c
			                             WHERE d.day::date BETWEEN c.first_day AND c.last_day AND c.shard_count > 1
			                             GROUP BY c.shard_count, c.shard_index) l
			                       GROUP BY l.shard_count HAVING count(*) = l.shard_count) s)) AS as_of
			FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)""";

	private static final String OLDEST_INPUTS_SQL = """
			SELECT score_date, min(inputs_as_of) AS oldest FROM health_score WHERE score_date IN (:days)
			GROUP BY score_date""";

	/**
	 * The stored row of each changed day is one primary key lookup (LATERAL, kept from
	 * being flattened by OFFSET 0): joined as a set, the planner hashes every row of the
	 * range, which costs more than the few thousand lookups of a typical run. The changes
	 * are grouped by (user, day, reason) before the lookups: a device that delivers a day
	 * late delivers many readings of it. A group has a suspect row when its day has no
	 * row and one of its changes is on that day itself ({@code k = 0}), or when its
	 * latest change is later than the row's inputs, as for each change alone. A plain
	 * insert: it is a run's first (no conflict to resolve, and resolving one costs a
	 * speculative insertion per row).
	 */
	private static final String SUSPECTS_SQL = """
			INSERT INTO reconcile_suspect (job_instance_id, user_id, score_date, reasons)
			SELECT :instance, f.user_id, f.day, array_agg(DISTINCT f.reason ORDER BY f.reason)
			FROM (
			  SELECT a.user_id, a.day, a.reason
			  FROM (
			    SELECT e.user_id, (e.recorded_at AT TIME ZONE u.time_zone)::date + k.k AS day, e.reason,
			           min(k.k) AS k, max(e.event_at) AS event_at
			    FROM (
			      SELECT r.user_id, r.metric, r.recorded_at, r.ingested_at AS event_at, 'late_data' AS reason
			      FROM health_reading r
			      WHERE r.ingested_at > :since AND r.metric IN (:inputs)
			        AND r.recorded_at >= :readFrom AND r.recorded_at < :readTo
			      UNION ALL
			      SELECT c.user_id, c.metric, c.recorded_at, c.changed_at, c.change
			      FROM score_input_change c
			      WHERE c.changed_at > :since AND c.metric IN (:inputs)
			        AND c.recorded_at >= :readFrom AND c.recorded_at < :readTo
			    ) e
			    JOIN app_user u ON u.user_id = e.user_id AND u.deleted_at IS NULL
			    CROSS JOIN LATERAL generate_series(0, CASE WHEN e.metric IN (:lookbacks) THEN :lookbackDays ELSE 0 END)
			         AS k(k)
			    WHERE (e.recorded_at AT TIME ZONE u.time_zone)::date + k.k BETWEEN :first AND :last
			    GROUP BY 1, 2, 3
			  ) a
			  LEFT JOIN LATERAL (SELECT h.user_id, h.inputs_as_of FROM health_score h
			                     WHERE h.user_id = a.user_id AND h.score_date = a.day
			                       AND h.score_date BETWEEN :first AND :last OFFSET 0) AS s ON true
			  WHERE CASE WHEN s.user_id IS NULL THEN a.k = 0
			             ELSE s.inputs_as_of < a.event_at + :marginSeconds * interval '1 second' END
			  UNION ALL
			  SELECT c.user_id, d.day::date, c.change
			  FROM score_input_change c
			  CROSS JOIN generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)
			  WHERE c.changed_at > :since AND c.metric IS NULL AND c.score_date IS NULL
			  UNION ALL
			  SELECT c.user_id, c.score_date, c.change
			  FROM score_input_change c
			  WHERE c.changed_at > :since AND c.score_date BETWEEN :first AND :last
			    AND NOT EXISTS (SELECT 1 FROM health_score h WHERE h.user_id = c.user_id AND h.score_date = c.score_date)
			  %s
			) f
			GROUP BY f.user_id, f.day""";

	/**
	 * Every user-day of a live user with an input reading and no row on a day no
	 * checkpoint covers: the readings of the days around them (time zones span a day
	 * either way), kept by their local day, then one primary key lookup per user-day.
	 */
	private static final String UNCOVERED_DAYS_SQL = """
			UNION ALL
			SELECT g.user_id, g.day, 'unscored_day'
			FROM (SELECT DISTINCT r.user_id, (r.recorded_at AT TIME ZONE u.time_zone)::date AS day
			      FROM health_reading r
			      JOIN app_user u ON u.user_id = r.user_id AND u.deleted_at IS NULL
			      WHERE r.metric IN (:inputs) AND r.recorded_at >= :uncoveredFrom AND r.recorded_at < :uncoveredTo) g
			WHERE g.day IN (:uncoveredDays)
			  AND NOT EXISTS (SELECT 1 FROM health_score h WHERE h.user_id = g.user_id AND h.score_date = g.day)""";

	private static final String OLD_VERSION_SQL = """
			INSERT INTO reconcile_suspect (job_instance_id, user_id, score_date, reasons)
			SELECT :instance, user_id, score_date, ARRAY['old_version'] FROM health_score
			WHERE score_date BETWEEN :first AND :last AND algorithm_version < :version
			ON CONFLICT (job_instance_id, user_id, score_date) DO UPDATE
			SET reasons = ARRAY(SELECT DISTINCT r FROM unnest(reconcile_suspect.reasons || excluded.reasons) AS r ORDER BY r)""";

	private final DataSource dataSource;

	private final NamedParameterJdbcTemplate jdbc;

	private final ScoringAlgorithm algorithm;

	private final Duration margin;

	/**
	 * Creates a finder.
	 * @param dataSource the primary database
	 * @param algorithm the current algorithm: its input metrics, lookback and version
	 * @param margin how long after its timestamp a change may commit
	 */
	public ChangedInputs(DataSource dataSource, ScoringAlgorithm algorithm, Duration margin) {
		Assert.notNull(dataSource, "A dataSource is required");
		Assert.notNull(algorithm, "An algorithm is required");
		Assert.isTrue(margin != null && !margin.isNegative(),
				() -> "Invalid ingest margin: " + Durations.format(margin));
		this.dataSource = dataSource;
		this.jdbc = new NamedParameterJdbcTemplate(dataSource);
		this.algorithm = algorithm;
		this.margin = margin;
	}

	/** Finds from when changes matter to the days {@code first..last}. */
	public ChangeWindow window(LocalDate first, LocalDate last) {
		MapSqlParameterSource days = new MapSqlParameterSource().addValue("first", first).addValue("last", last);
		Instant covered = null;
		List<LocalDate> uncovered = new ArrayList<>();
		for (Map<String, Object> row : this.jdbc.queryForList(COVERAGE_SQL, days)) {
			Timestamp asOf = (Timestamp) row.get("as_of");
			if (asOf == null) {
				uncovered.add(((java.sql.Date) row.get("day")).toLocalDate());
			}
			else if (covered == null || asOf.toInstant().isBefore(covered)) {
				covered = asOf.toInstant();
			}
		}
		Instant oldestInputs = null;
		Set<LocalDate> scored = new HashSet<>();
		if (!uncovered.isEmpty()) {
			for (Map<String, Object> row : this.jdbc.queryForList(OLDEST_INPUTS_SQL,
					new MapSqlParameterSource("days", uncovered))) {
				scored.add(((java.sql.Date) row.get("score_date")).toLocalDate());
				oldestInputs = earliest(oldestInputs, ((Timestamp) row.get("oldest")).toInstant());
			}
		}
		Instant from = earliest(covered, oldestInputs);
		if (from == null) {
			return new ChangeWindow(null, "no reconcile checkpoint and no score in the range: every reading counts",
					List.of());
		}
		long dayCount = ChronoUnit.DAYS.between(first, last) + 1;
		String basis = String.format(Locale.ROOT,
				"%d of %d days covered by reconcile checkpoints%s%s, less the ingest margin %s%s",
				dayCount - uncovered.size(), dayCount, (covered != null) ? " (oldest " + covered + ")" : "",
				(oldestInputs != null) ? "; the oldest inputs_as_of of the others is " + oldestInputs : "",
				Durations.format(this.margin),
				uncovered.isEmpty() ? ""
						: String.format(Locale.ROOT,
								"; %d days no checkpoint covers (%d of them without any row), whose user-days with"
										+ " readings and no row count: %s",
								uncovered.size(), uncovered.size() - scored.size(), describe(uncovered)));
		return new ChangeWindow(from.minus(this.margin), basis, uncovered);
	}

	/** Sorted days as runs: {@code 2025-03-08..2025-03-10, 2025-03-14}. */
	private static String describe(List<LocalDate> days) {
		return DayRuns.of(days)
			.stream()
			.map((run) -> run[0].equals(run[1]) ? run[0].toString() : run[0] + ".." + run[1])
			.collect(Collectors.joining(", "));
	}

	private static Instant earliest(Instant a, Instant b) {
		if (a == null || b == null) {
			return (a != null) ? a : b;
		}
		return a.isBefore(b) ? a : b;
	}

	/**
	 * Records as suspects the rows of {@code first..last} whose inputs changed within the
	 * window. The first suspects of a run: the job instance has none yet.
	 * @return how many suspect rows were inserted
	 * @throws InvalidTimeZoneException when a live user with a changed reading has a time
	 * zone that is not a zone id
	 */
	public int findSuspects(long jobInstanceId, LocalDate first, LocalDate last, ChangeWindow window) {
		Instant since = (window.changesAfter() != null) ? window.changesAfter() : Instant.EPOCH;
		MapSqlParameterSource parameters = new MapSqlParameterSource().addValue("instance", jobInstanceId)
			.addValue("since", utc(since))
			.addValue("inputs", names(this.algorithm.inputMetrics()))
			.addValue("lookbacks", names(this.algorithm.lookbackMetrics()))
			.addValue("lookbackDays", this.algorithm.lookbackDays())
			.addValue("readFrom", utc(first.minusDays(this.algorithm.lookbackDays() + 1L)))
			.addValue("readTo", utc(last.plusDays(2)))
			.addValue("first", first)
			.addValue("last", last)
			.addValue("marginSeconds", this.margin.toSeconds());
		String uncovered = "";
		if (!window.uncoveredDays().isEmpty()) {
			uncovered = UNCOVERED_DAYS_SQL;
			parameters.addValue("uncoveredDays", window.uncoveredDays())
				.addValue("uncoveredFrom", utc(Collections.min(window.uncoveredDays()).minusDays(1)))
				.addValue("uncoveredTo", utc(Collections.max(window.uncoveredDays()).plusDays(2)));
		}
		try {
			return this.jdbc.update(SUSPECTS_SQL.formatted(uncovered), parameters);
		}
		catch (DataAccessException ex) {
			throw UserTimeZones.explain(ex, this.dataSource);
		}
	}

	/**
	 * Records as suspects the rows of {@code first..last} computed by a version older
	 * than the current one.
	 * @return how many suspect rows were inserted or updated
	 */
	public int findOldVersions(long jobInstanceId, LocalDate first, LocalDate last) {
		return this.jdbc.update(OLD_VERSION_SQL,
				new MapSqlParameterSource().addValue("instance", jobInstanceId)
					.addValue("first", first)
					.addValue("last", last)
					.addValue("version", this.algorithm.version()));
	}

	static List<String> names(Iterable<Metric> metrics) {
		List<String> names = new ArrayList<>();
		metrics.forEach((metric) -> names.add(metric.columnValue()));
		return names;
	}

	static OffsetDateTime utc(Instant instant) {
		return instant.atOffset(ZoneOffset.UTC);
	}

	static OffsetDateTime utc(LocalDate day) {
		return day.atStartOfDay().atOffset(ZoneOffset.UTC);
	}

}
