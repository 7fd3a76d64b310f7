package dev.healthscore.io.replica;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

import javax.sql.DataSource;

import dev.healthscore.io.Causes;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.util.Assert;

/**
 * Measures how far a PostgreSQL physical streaming replica is behind its primary: first
 * the primary's WAL write position, then what the replica has replayed of it. See
 * {@link ReplicaLag} for how the time lag is derived.
 * <p>
 * A server that is not in recovery (a replica URL that names the primary itself) is
 * reported as caught up.
 */
public class ReplicaLagProbe {

	/** now() is the statement's start: taken before the WAL position is read. */
	private static final String PRIMARY_SQL = "SELECT now(), pg_current_wal_lsn()::text";

	private static final String REPLICA_SQL = """
			SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(),
			       pg_wal_lsn_diff(?::pg_lsn, pg_last_wal_replay_lsn()), pg_last_wal_replay_lsn()::text""";

	private final DataSource primary;

	private final DataSource replica;

	/** Creates a probe of {@code replica} against {@code primary}. */
	public ReplicaLagProbe(DataSource primary, DataSource replica) {
		Assert.notNull(primary, "A primary dataSource is required");
		Assert.notNull(replica, "A replica dataSource is required");
		this.primary = primary;
		this.replica = replica;
	}

	/**
	 * Measures the lag now.
	 * @throws ReplicaUnavailableException when the replica cannot be queried
	 * @throws DataAccessResourceFailureException when the primary cannot be queried
	 */
	public ReplicaLag measure() {
		PrimaryPoint point = queryPrimary(this.primary, PRIMARY_SQL,
				"the primary's WAL position to measure the replica's lag",
				(rs) -> new PrimaryPoint(rs.getObject(1, OffsetDateTime.class).toInstant(), rs.getString(2)));
		return measureReplica(point.measuredAt(), point.lsn());
	}

	private ReplicaLag measureReplica(Instant measuredAt, String primaryLsn) {
		try (Connection connection = this.replica.getConnection();
				PreparedStatement ps = connection.prepareStatement(REPLICA_SQL)) {
			ps.setString(1, primaryLsn);
			try (ResultSet rs = ps.executeQuery()) {
				rs.next();
				boolean inRecovery = rs.getBoolean(1);
				OffsetDateTime replayed = rs.getObject(2, OffsetDateTime.class);
				Instant replayTimestamp = (replayed != null) ? replayed.toInstant() : null;
				long behind = rs.getLong(3);
				String replayedText = rs.getString(4);
				WalPosition replayedUpTo = (replayedText != null) ? WalPosition.parse(replayedText) : null;
				if (!inRecovery || behind <= 0) {
					return new ReplicaLag(0, replayTimestamp, Duration.ZERO, true, measuredAt, replayedUpTo);
				}
				return new ReplicaLag(behind, replayTimestamp, timeLag(replayTimestamp, measuredAt), false, measuredAt,
						replayedUpTo);
			}
		}
		catch (SQLException ex) {
			// the pool's timeout ("Connection is not available, request timed out after
			// …") does not say why; its cause, when it has one, does: the refused host
			// and port, the password, the database
			Throwable why = (ex instanceof SQLTransientConnectionException && ex.getCause() != null) ? ex.getCause()
					: ex;
			throw new ReplicaUnavailableException("Cannot query the replica: " + Causes.describe(why), ex);
		}
	}

	private static Duration timeLag(Instant replayTimestamp, Instant measuredAt) {
		if (replayTimestamp == null) {
			return null;
		}
		Duration lag = Duration.between(replayTimestamp, measuredAt);
		return lag.isNegative() ? Duration.ZERO : lag;
	}

	/**
	 * The primary's clock ({@code now()}): everything committed before it is visible to
	 * reads on the primary that start later.
	 * @throws DataAccessResourceFailureException when the primary cannot be queried
	 */
	public Instant primaryNow() {
		return now(this.primary);
	}

	/**
	 * The primary's WAL write position: a transaction that had committed is in the WAL
	 * before it.
	 * @throws DataAccessResourceFailureException when the primary cannot be queried
	 */
	static WalPosition position(DataSource primary) {
		return queryPrimary(primary, "SELECT pg_current_wal_lsn()::text", "the primary's WAL position",
				(rs) -> WalPosition.parse(rs.getString(1)));
	}

	/**
	 * The clock of {@code primary} ({@code now()}), read on a connection of its own,
	 * outside any transaction of the caller's.
	 * @throws DataAccessResourceFailureException when the primary cannot be queried
	 */
	public static Instant now(DataSource primary) {
		return queryPrimary(primary, "SELECT now()", "the primary's clock",
				(rs) -> rs.getObject(1, OffsetDateTime.class).toInstant());
	}

	/**
	 * Reads the one row of {@code sql} on a connection of its own to {@code primary}.
	 * @param what what the row is, for the message when it cannot be read
	 * @throws DataAccessResourceFailureException when the primary cannot be queried
	 */
	private static <T> T queryPrimary(DataSource primary, String sql, String what, Row<T> row) {
		try (Connection connection = primary.getConnection();
				PreparedStatement ps = connection.prepareStatement(sql);
				ResultSet rs = ps.executeQuery()) {
			rs.next();
			return row.read(rs);
		}
		catch (SQLException ex) {
			throw new DataAccessResourceFailureException("Cannot read " + what + ": " + ex.getMessage(), ex);
		}
	}

	/** The primary's clock and WAL position (text), read together. */
	private record PrimaryPoint(Instant measuredAt, String lsn) {

	}

	/** What a row of the primary's says. */
	@FunctionalInterface
	private interface Row<T> {

		T read(ResultSet rs) throws SQLException;

	}

}
