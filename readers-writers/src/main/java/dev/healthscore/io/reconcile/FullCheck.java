package dev.healthscore.io.reconcile;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import dev.healthscore.io.reading.UserTimeZones;
import dev.healthscore.io.replica.RecoveryConflicts;
import dev.healthscore.io.score.InputHashes;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.ScoringAlgorithm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.util.Assert;

/**
 * Verifies every score of a day range against its current inputs without scoring: the
 * users are cut into segments of about {@code segmentUsers} users; each segment's
 * fingerprints as they should be (computed in SQL from the readings) and as stored are
 * reduced to one checksum each; only segments that differ are bisected, down to ranges of
 * {@code leafWidth} user ids, whose differing rows become suspects (missing, orphan,
 * inputs changed, tampered, no fingerprint).
 */
public class FullCheck {

	private static final Logger logger = LoggerFactory.getLogger(FullCheck.class);

	private static final String BOUNDS_SQL = """
			SELECT user_id FROM (SELECT user_id, row_number() OVER (ORDER BY user_id) AS n FROM app_user) numbered
			WHERE (n - 1) %% %d = 0 ORDER BY user_id""";

	private static final String SPAN_SQL = """
			SELECT least((SELECT min(user_id) FROM app_user),
			             (SELECT min(user_id) FROM health_score WHERE score_date BETWEEN :first AND :last)),
			       greatest((SELECT max(user_id) FROM app_user),
			                (SELECT max(user_id) FROM health_score WHERE score_date BETWEEN :first AND :last))""";

	private final NamedParameterJdbcTemplate jdbc;

	private final FingerprintSql sql;

	private final int lookbackDays;

	private final int segmentUsers;

	private final long leafWidth;

	/**
	 * Creates a full check.
	 * @param dataSource the database
	 * @param algorithm the current algorithm: its metrics and lookback
	 * @param segmentUsers about how many users a top-level segment holds
	 * @param leafWidth how many user ids wide a range is when it stops being bisected
	 */
	public FullCheck(DataSource dataSource, ScoringAlgorithm algorithm, int segmentUsers, long leafWidth) {
		Assert.notNull(dataSource, "A dataSource is required");
		Assert.isTrue(segmentUsers > 0, () -> "segmentUsers must be positive, was " + segmentUsers);
		this.jdbc = new NamedParameterJdbcTemplate(dataSource);
		this.sql = new FingerprintSql(algorithm);
		this.lookbackDays = algorithm.lookbackDays();
		this.segmentUsers = segmentUsers;
		this.leafWidth = leafWidth;
	}

	/**
	 * Compares the days {@code first..last} by checksums computed on {@code readFrom} (a
	 * replica that has replayed what the check must see, or the primary), bisecting the
	 * segments that differ. Writes nothing. A checksum query that a recovery conflict on
	 * the replica cancelled is run again.
	 * @return the narrow user ranges that differ
	 */
	public Differences find(LocalDate first, LocalDate last, DataSource readFrom) {
		Assert.notNull(readFrom, "A dataSource to read from is required");
		// one connection of its own, in autocommit, outside any transaction of the
		// caller's (which would otherwise keep it, dead or alive, for its duration): a
		// call after a lost connection starts on a new one
		try (Connection connection = readFrom.getConnection()) {
			return find(first, last, new NamedParameterJdbcTemplate(new SingleConnectionDataSource(connection, true)));
		}
		catch (SQLException ex) {
			throw new DataAccessResourceFailureException("Full check: cannot connect: " + ex.getMessage(), ex);
		}
		catch (DataAccessException ex) {
			throw UserTimeZones.explain(ex, readFrom);
		}
	}

	private Differences find(LocalDate first, LocalDate last, NamedParameterJdbcTemplate reads) {
		checkHashesAgree(reads);
		List<UserRange> segments = RecoveryConflicts.retryQuery("Full check: segments",
				() -> segments(reads, first, last));
		if (segments.isEmpty()) {
			return new Differences(first, last, 0, new Bisection.Result(List.of(), 0, 0, 0));
		}
		Bisection.Result found = new Bisection((ranges) -> checksums(reads, this.sql.expected(), ranges, first, last),
				(ranges) -> checksums(reads, this.sql.stored(), ranges, first, last), this.leafWidth)
			.run(segments);
		return new Differences(first, last, segments.size(), found);
	}

	/**
	 * Records as suspects of the job instance the differing rows of the ranges
	 * {@link #find} found, on the database given at construction: only those ranges are
	 * compared again there, row by row, on its current rows.
	 */
	public Result record(long jobInstanceId, Differences differences) {
		Bisection.Result found = differences.found();
		int suspects = 0;
		for (UserRange leaf : found.leaves()) {
			try {
				suspects += this.jdbc.update(this.sql.leafSuspects(),
						parameters(leaf.from(), leaf.to(), differences.first(), differences.last()).addValue("instance",
								jobInstanceId));
			}
			catch (DataAccessException ex) {
				throw UserTimeZones.explain(ex, this.jdbc.getJdbcTemplate().getDataSource());
			}
		}
		logger.info(
				"Full check of {}..{}: {} segments, {} ranges compared in {} comparisons over {} levels; "
						+ "{} differing ranges of at most {} user ids, {} suspect rows",
				differences.first(), differences.last(), differences.segments(), found.rangesCompared(),
				found.comparisons(), found.levels(), found.leaves().size(), this.leafWidth, suspects);
		return new Result(differences.segments(), found.rangesCompared(), found.levels(), found.leaves().size(),
				suspects);
	}

	/**
	 * Fails unless the database hashes a reading as this JVM does: fingerprints written
	 * by Java are compared with fingerprints computed in SQL.
	 */
	private void checkHashesAgree(NamedParameterJdbcTemplate reads) {
		Reading probe = new Reading(1, Metric.SLEEP_MINUTES, Instant.parse("2025-01-02T03:04:05.678901Z"), 437.25,
				"probe ⌚", null);
		Long database = reads.queryForObject("SELECT healthscore_reading_hash(:metric, :at, :source, :value)",
				new MapSqlParameterSource().addValue("metric", probe.metric().columnValue())
					.addValue("at", ChangedInputs.utc(probe.recordedAt()))
					.addValue("source", probe.source())
					.addValue("value", probe.value()),
				Long.class);
		long java = new InputHashes().reading(probe);
		if (database == null || database != java) {
			throw new IllegalStateException(("Cannot compare fingerprints: the database hashes a reading to %s and "
					+ "this JVM to %d (a big-endian server?)")
				.formatted(database, java));
		}
	}

	/** Contiguous segments covering every user id that has a user or a score. */
	private List<UserRange> segments(NamedParameterJdbcTemplate reads, LocalDate first, LocalDate last) {
		Map<String, Object> span = reads.queryForMap(SPAN_SQL,
				new MapSqlParameterSource().addValue("first", first).addValue("last", last));
		Number min = (Number) span.get("least");
		Number max = (Number) span.get("greatest");
		if (min == null || max == null) {
			return List.of();
		}
		List<Long> bounds = new ArrayList<>(reads.getJdbcTemplate()
			.queryForList(String.format(Locale.ROOT, BOUNDS_SQL, this.segmentUsers), Long.class));
		bounds.removeIf((bound) -> bound <= min.longValue());
		bounds.add(0, min.longValue());
		List<UserRange> segments = new ArrayList<>();
		for (int i = 0; i < bounds.size(); i++) {
			long to = (i + 1 < bounds.size()) ? bounds.get(i + 1) : max.longValue() + 1;
			segments.add(new UserRange(bounds.get(i), to));
		}
		return segments;
	}

	private List<RangeChecksum> checksums(NamedParameterJdbcTemplate reads, String rows, List<UserRange> ranges,
			LocalDate first, LocalDate last) {
		Long[] bounds = ranges.stream().map(UserRange::from).toArray(Long[]::new);
		MapSqlParameterSource parameters = parameters(ranges.get(0).from(), ranges.get(ranges.size() - 1).to(), first,
				last)
			.addValue("bounds", new SqlArrayValue("int8", (Object[]) bounds));
		Map<Integer, RangeChecksum> byBucket = RecoveryConflicts
			.retryQuery(String.format(Locale.ROOT, "Full check: checksums of the user ids %d..%d", ranges.get(0).from(),
					ranges.get(ranges.size() - 1).to() - 1), () -> {
						Map<Integer, RangeChecksum> read = new HashMap<>();
						reads.query(this.sql.checksums(rows), parameters, (rs) -> {
							read.put(rs.getInt("bucket"), new RangeChecksum(rs.getLong("rows"), rs.getLong("digest")));
						});
						return read;
					});
		List<RangeChecksum> checksums = new ArrayList<>(ranges.size());
		for (int i = 1; i <= ranges.size(); i++) {
			checksums.add(byBucket.getOrDefault(i, RangeChecksum.EMPTY));
		}
		return checksums;
	}

	private MapSqlParameterSource parameters(long lo, long hi, LocalDate first, LocalDate last) {
		return new MapSqlParameterSource().addValue("lo", lo)
			.addValue("hi", hi)
			.addValue("first", first)
			.addValue("last", last)
			.addValue("lookbackFrom", first.minusDays(this.lookbackDays))
			.addValue("readFrom", ChangedInputs.utc(first.minusDays(this.lookbackDays + 1L)))
			.addValue("readTo", ChangedInputs.utc(last.plusDays(2)));
	}

	/**
	 * What {@link #find} found: the user ranges of {@code first..last} whose checksums
	 * differ.
	 *
	 * @param first the first day compared
	 * @param last the last day compared
	 * @param segments how many top-level segments were compared
	 * @param found the bisection's result, its narrow differing ranges included
	 */
	public record Differences(LocalDate first, LocalDate last, int segments, Bisection.Result found) {

	}

	/**
	 * What a full check did.
	 *
	 * @param segments how many top-level segments were compared
	 * @param rangesCompared how many ranges were compared, the segments included
	 * @param levels how deep the bisection went
	 * @param differingRanges how many narrow ranges differed
	 * @param suspects how many suspect rows they held
	 */
	public record Result(int segments, int rangesCompared, int levels, int differingRanges, int suspects) {

	}

}
