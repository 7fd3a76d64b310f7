package dev.healthscore.io.score;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.util.Assert;

/**
 * Compares a chunk of users' suspect days with the stored rows, locked, and writes only
 * what differs: the bulk upsert of the score writers for new and changed rows, one bulk
 * delete for orphans, and one {@code score_correction} row per corrected (user, day). In
 * {@link Mode#DRY_RUN} it writes nothing and only counts. Keeps its
 * {@link CorrectionTally} in the step's execution context.
 */
public class ScoreCorrectionWriter implements ItemStreamWriter<ReconciledUser> {

	private static final Logger logger = LoggerFactory.getLogger(ScoreCorrectionWriter.class);

	/**
	 * One primary key lookup per suspect (LATERAL, kept from being flattened by OFFSET
	 * 0), locked when applying: joined as a set, the planner may scan the whole range.
	 */
	private static final String LOAD_SQL = """
			SELECT s.user_id, s.score_date, s.score, s.activity_score, s.sleep_score, s.heart_score,
			       s.completeness, s.algorithm_version, s.input_count, s.input_hash
			FROM unnest(?::bigint[], ?::date[]) AS k(u, d)
			CROSS JOIN LATERAL (SELECT * FROM health_score h
			                    WHERE h.user_id = k.u AND h.score_date = k.d AND h.score_date BETWEEN ? AND ?
			                    OFFSET 0%s) AS s""";

	private static final String DELETE_SQL = """
			DELETE FROM health_score s USING unnest(?::bigint[], ?::date[]) AS k(u, d)
			WHERE s.user_id = k.u AND s.score_date = k.d AND s.score_date BETWEEN ? AND ?""";

	private final String name;

	private final DataSource dataSource;

	private final LocalDate firstDay;

	private final LocalDate lastDay;

	private final Mode mode;

	private final Corrections corrections;

	private final QuarantineItemWriter quarantine;

	private CorrectionTally tally = new CorrectionTally();

	/**
	 * Creates a writer for suspects of the days {@code firstDay..lastDay}.
	 * @param name the name under which the tally is kept
	 * @param dataSource the primary database
	 * @param jobExecutionId the job execution recorded with each correction
	 * @param mode whether to write or only count
	 */
	public ScoreCorrectionWriter(String name, DataSource dataSource, LocalDate firstDay, LocalDate lastDay,
			Long jobExecutionId, Mode mode) {
		Assert.hasText(name, "A name is required to keep the tally");
		Assert.notNull(dataSource, "A dataSource is required");
		Assert.isTrue(firstDay != null && lastDay != null && !lastDay.isBefore(firstDay),
				() -> "Invalid day range: %s..%s".formatted(firstDay, lastDay));
		Assert.notNull(mode, "A mode is required");
		this.name = name;
		this.dataSource = dataSource;
		this.firstDay = firstDay;
		this.lastDay = lastDay;
		this.mode = mode;
		this.corrections = new Corrections(jobExecutionId);
		this.quarantine = new QuarantineItemWriter(dataSource, jobExecutionId);
	}

	@Override
	public void write(Chunk<? extends ReconciledUser> chunk) throws Exception {
		Connection connection = DataSourceUtils.getConnection(this.dataSource);
		try {
			long started = System.nanoTime();
			Map<Long, Map<LocalDate, StoredScore>> stored = load(connection, chunk);
			List<ScoreChange> changes = new ArrayList<>();
			for (ReconciledUser user : chunk) {
				changes.addAll(ScoreDiff.diff(user, stored.getOrDefault(user.userId(), Map.of())));
			}
			long compared = System.nanoTime();
			if (this.mode == Mode.APPLY) {
				apply(connection, chunk, changes);
			}
			changes.forEach(this.tally::add);
			if (logger.isDebugEnabled()) {
				logger.debug("{} users, {} suspects: loaded and compared in {} ms, written in {} ms", chunk.size(),
						changes.size(), (compared - started) / 1_000_000, (System.nanoTime() - compared) / 1_000_000);
			}
		}
		finally {
			DataSourceUtils.releaseConnection(connection, this.dataSource);
		}
	}

	private void apply(Connection connection, Chunk<? extends ReconciledUser> chunk, List<ScoreChange> changes)
			throws Exception {
		Map<Long, Timestamp> asOf = new HashMap<>();
		chunk.forEach((user) -> asOf.put(user.userId(), Timestamp.from(user.scored().inputsAsOf())));
		ScoreRows rows = new ScoreRows();
		List<Object> deletedUsers = new ArrayList<>();
		List<Object> deletedDays = new ArrayList<>();
		for (ScoreChange change : changes) {
			switch (change.kind()) {
				case INSERT, UPDATE, REFRESH ->
					rows.add(change.after(), asOf.get(change.userId()), change.fingerprint());
				case DELETE -> {
					deletedUsers.add(change.userId());
					deletedDays.add(change.day().toString());
				}
				case NONE -> {
				}
			}
		}
		if (!deletedUsers.isEmpty()) {
			// audited here: not a missing score for the next run
			OwnDeletes.mark(connection);
			try (PreparedStatement ps = connection.prepareStatement(DELETE_SQL)) {
				bindKeys(connection, ps, deletedUsers, deletedDays);
				ps.executeUpdate();
			}
		}
		if (!rows.isEmpty()) {
			rows.upsert(connection);
		}
		this.corrections.insert(connection, changes);
		List<ScoredUser> scored = new ArrayList<>(chunk.size());
		chunk.forEach((user) -> scored.add(user.scored()));
		this.quarantine.write(new Chunk<>(scored));
	}

	private Map<Long, Map<LocalDate, StoredScore>> load(Connection connection, Chunk<? extends ReconciledUser> chunk)
			throws SQLException {
		List<Object> users = new ArrayList<>();
		List<Object> days = new ArrayList<>();
		for (ReconciledUser user : chunk) {
			for (LocalDate day : user.suspects().keySet()) {
				users.add(user.userId());
				days.add(day.toString());
			}
		}
		Map<Long, Map<LocalDate, StoredScore>> stored = new HashMap<>();
		String sql = LOAD_SQL.formatted((this.mode == Mode.APPLY) ? " FOR UPDATE" : "");
		try (PreparedStatement ps = connection.prepareStatement(sql)) {
			bindKeys(connection, ps, users, days);
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					StoredScore row = storedScore(rs);
					stored.computeIfAbsent(row.userId(), (id) -> new HashMap<>()).put(row.day(), row);
				}
			}
		}
		return stored;
	}

	private void bindKeys(Connection connection, PreparedStatement ps, List<Object> users, List<Object> days)
			throws SQLException {
		ps.setArray(1, connection.createArrayOf("int8", users.toArray()));
		ps.setArray(2, connection.createArrayOf("date", days.toArray()));
		ps.setObject(3, this.firstDay);
		ps.setObject(4, this.lastDay);
	}

	private static StoredScore storedScore(ResultSet rs) throws SQLException {
		Integer count = rs.getObject(9, Integer.class);
		Long hash = rs.getObject(10, Long.class);
		return new StoredScore(rs.getLong(1), rs.getObject(2, LocalDate.class), rs.getObject(3, Integer.class),
				rs.getObject(4, Integer.class), rs.getObject(5, Integer.class), rs.getObject(6, Integer.class),
				rs.getFloat(7), rs.getInt(8),
				(count != null && hash != null) ? new InputFingerprint(count, hash) : null);
	}

	/** The totals so far. */
	public CorrectionTally tally() {
		return this.tally;
	}

	@Override
	public void open(ExecutionContext executionContext) {
		this.tally = CorrectionTally.decode(executionContext.getString(key(), null));
	}

	@Override
	public void update(ExecutionContext executionContext) {
		executionContext.putString(key(), this.tally.encode());
	}

	private String key() {
		return this.name + ".tally";
	}

	/** Whether the writer writes. */
	public enum Mode {

		/** Correct the rows, audit the corrections, quarantine rejected readings. */
		APPLY,

		/** Compare and count only: write nothing. */
		DRY_RUN

	}

}
