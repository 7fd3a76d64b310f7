package dev.healthscore.io.replica;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import dev.healthscore.io.Causes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.util.Assert;

/**
 * Measures how far a PostgreSQL physical streaming replica is behind its primary: first
 * the end of the WAL the primary has inserted, then what the replica has replayed of it.
 * See {@link ReplicaLag} for how the time lag is derived.
 * <p>
 * The inserted end ({@code pg_current_wal_insert_lsn()}), not the written one
 * ({@code pg_current_wal_lsn()}): a transaction committed with
 * {@code synchronous_commit = off}, as applications commonly ingest, is visible on the
 * primary as soon as its commit record is in the WAL buffers, up to three times
 * {@code wal_writer_delay} before the WAL writer writes and flushes it and a replica can
 * receive it. Until then the replica counts as behind.
 * <p>
 * The WAL writer flushes only full pages and asynchronous commits, so WAL that a
 * transaction still open inserted into a page not yet full stays unflushed, and a replica
 * short of the inserted end, until something else flushes (any synchronous commit; on an
 * idle primary, the standby snapshot the background writer logs every 15 seconds, so 15
 * seconds or more). A measurement says so ({@link ReplicaLag#awaitsPrimaryFlush()}), and
 * {@link #flushPrimary} makes the primary flush it.
 * <p>
 * Each measurement also checks that the replica is a standby of the primary's cluster,
 * from the same row: its system identifier ({@code pg_control_system()}, which needs no
 * privilege) must be the primary's, which the probe reads once and again only when the
 * two differ (a failover may have restarted the primary). A server of another cluster, or
 * one of the primary's that is not in recovery and is not the primary (a promoted
 * standby, a restored copy: not the primary's postmaster, whose start time it lacks), is
 * refused with a {@link NotAStandbyException}: the primary's writes do not reach it, and
 * it would be read as caught up. The primary itself (a replica URL that names it) is
 * caught up by definition, and read, with a warning, once per probe. Where either server
 * refuses {@code pg_control_system()} to the user (its EXECUTE revoked from PUBLIC), the
 * identity is not checked, as before this check existed, with one warning per probe
 * saying how to grant it.
 * <p>
 * It also checks, in the same rows, that a standby in recovery is on the primary's
 * timeline. A failover starts a new timeline on the server it promotes; a standby that
 * does not follow it (it still streams from the old primary, which may write on: split
 * brain, or it lost its upstream) stays on the old one and is still a standby of the
 * cluster, but its WAL positions count along another history than the primary's: its lag
 * means nothing (it may even look caught up), and it may hold commits the primary never
 * had. The primary's timeline is the one it writes ({@code pg_walfile_name()} of its
 * insert position, no privilege needed); the standby's is the latest of its WAL segment
 * files ({@code pg_ls_waldir()}: those it received and replayed, named after their
 * timeline; a history file fetched without following it does not count), which needs
 * {@code pg_monitor} (PostgreSQL offers no replayed timeline to other users:
 * {@code pg_walfile_name()} refuses to run in recovery, {@code pg_stat_wal_receiver}
 * shows its timelines only to {@code pg_read_all_stats} and only while the receiver runs,
 * and the control data's timelines lag until the next restartpoint). A standby on an
 * older timeline, or a newer one (it follows a server promoted after the primary), is
 * refused with a {@link NotAStandbyException}. One that is following the promotion is
 * refused too until it has received WAL of the new timeline (once pointed at the new
 * primary, its WAL receiver reconnects and switches); telling it from one that diverged
 * (replayed past the point where the primary's timeline forked off) would need the
 * primary's timeline history file, which only a superuser or {@code pg_read_server_files}
 * may read. Where the replica refuses {@code pg_ls_waldir()} to the user, the timeline is
 * not checked, with one warning per probe saying to grant {@code pg_monitor}.
 */
public class ReplicaLagProbe {

	/**
	 * Where the connection reached the server, for a message naming it: its address and
	 * port as the server sees them (behind a DNS name or a proxy, the server itself).
	 */
	private static final String SERVER_ADDRESS = "coalesce(host(inet_server_addr()) || ':' || inet_server_port(),"
			+ " 'a local socket')";

	/**
	 * now() is the statement's start: taken before the WAL position is read. The sizes
	 * locate the position in its page ({@link #insertedUpTo}). The flushed end is read
	 * after the inserted one, so it is never past it.
	 */
	private static final String PRIMARY_SQL = """
			SELECT now(), lsn::text, pg_size_bytes(current_setting('wal_segment_size')),
			       current_setting('wal_block_size')::int, pg_current_wal_flush_lsn()::text,
			       substr(pg_walfile_name(lsn), 1, 8), %s
			FROM pg_current_wal_insert_lsn() AS lsn""".formatted(SERVER_ADDRESS);

	/**
	 * PostgreSQL's WAL page headers ({@code SizeOfXLogShortPHD}, and
	 * {@code SizeOfXLogLongPHD} on a segment's first page), 8-byte aligned.
	 */
	private static final int SHORT_PAGE_HEADER = 24;

	private static final int LONG_PAGE_HEADER = 40;

	private static final String REPLICA_SQL = """
			SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(),
			       pg_wal_lsn_diff(?::pg_lsn, pg_last_wal_replay_lsn()), pg_last_wal_replay_lsn()::text,
			       coalesce(pg_last_wal_receive_lsn() >= ?::pg_lsn, false), %s""".formatted(SERVER_ADDRESS);

	/**
	 * The latest timeline the replica has WAL of: the first 8 hexadecimal digits of its
	 * WAL segment files' names (the received and replayed ones; a timeline history file
	 * it fetched without following it is not a segment). {@code pg_ls_waldir()} needs
	 * {@code pg_monitor}.
	 */
	private static final String REPLICA_TIMELINE = """
			, (SELECT max(substr(name, 1, 8)) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$')""";

	/** {@link #REPLICA_TIMELINE} once {@code pg_ls_waldir()} was refused to this user. */
	private static final String REPLICA_TIMELINE_UNCHECKED = ", NULL::text";

	/**
	 * The replica's identity ({@link #IDENTITY_SQL}); left out once
	 * {@code pg_control_system()} was refused to this user.
	 */
	private static final String REPLICA_IDENTITY = """
			, system_identifier, pg_postmaster_start_time(), current_database()
			FROM pg_control_system()""";

	/** {@code insufficient_privilege}: a function whose EXECUTE was revoked. */
	private static final String INSUFFICIENT_PRIVILEGE = "42501";

	/**
	 * Which server this is: its cluster's system identifier (set by {@code initdb}, the
	 * same on every standby of the cluster), the start time of its postmaster (which
	 * tells the primary from a server of its cluster that is not in recovery) and the
	 * database connected to (another database of the primary's server, or of a standby,
	 * holds other data).
	 */
	private static final String IDENTITY_SQL = """
			SELECT pg_is_in_recovery(), system_identifier, pg_postmaster_start_time(), current_database()
			FROM pg_control_system()""";

	private static final Logger logger = LoggerFactory.getLogger(ReplicaLagProbe.class);

	private final DataSource primary;

	private final DataSource replica;

	private final AtomicBoolean primaryItselfLogged = new AtomicBoolean();

	private volatile ServerIdentity primaryIdentity;

	/**
	 * Set once {@code pg_control_system()} was refused on either server: the identity is
	 * not checked from then on.
	 */
	private volatile boolean identityUnreadable;

	/**
	 * Set once {@code pg_ls_waldir()} was refused on the replica: its timeline is not
	 * checked from then on.
	 */
	private volatile boolean timelineUnreadable;

	/** Creates a probe of {@code replica} against {@code primary}. */
	public ReplicaLagProbe(DataSource primary, DataSource replica) {
		Assert.notNull(primary, "A primary dataSource is required");
		Assert.notNull(replica, "A replica dataSource is required");
		this.primary = primary;
		this.replica = replica;
	}

	/**
	 * Measures the lag now.
	 * @throws NotAStandbyException when the replica is not a standby of the primary
	 * @throws ReplicaUnavailableException when the replica cannot be queried
	 * @throws DataAccessResourceFailureException when the primary cannot be queried
	 */
	public ReplicaLag measure() {
		PrimaryPoint point = primaryPoint(this.primary, "the primary's WAL position to measure the replica's lag");
		return measureReplica(point);
	}

	private ReplicaLag measureReplica(PrimaryPoint primaryPoint) {
		Instant measuredAt = primaryPoint.measuredAt();
		boolean checked = !this.identityUnreadable;
		boolean timelineChecked = !this.timelineUnreadable;
		String sql = REPLICA_SQL + (timelineChecked ? REPLICA_TIMELINE : REPLICA_TIMELINE_UNCHECKED)
				+ (checked ? REPLICA_IDENTITY : "");
		try (Connection connection = this.replica.getConnection();
				PreparedStatement ps = connection.prepareStatement(sql)) {
			ps.setString(1, primaryPoint.position().toString());
			ps.setString(2, primaryPoint.flushed().toString());
			try (ResultSet rs = ps.executeQuery()) {
				rs.next();
				boolean inRecovery = rs.getBoolean(1);
				OffsetDateTime replayed = rs.getObject(2, OffsetDateTime.class);
				Instant replayTimestamp = (replayed != null) ? replayed.toInstant() : null;
				long behind = rs.getLong(3);
				String replayedText = rs.getString(4);
				WalPosition replayedUpTo = (replayedText != null) ? WalPosition.parse(replayedText) : null;
				if (checked) {
					checkStandby(inRecovery, identity(rs, 8));
				}
				String timeline = rs.getString(7);
				if (inRecovery && timeline != null) {
					checkTimeline(primaryPoint, new Timeline(Long.parseLong(timeline, 16), rs.getString(6)),
							replayedUpTo);
				}
				if (!inRecovery || behind <= 0) {
					return new ReplicaLag(0, replayTimestamp, Duration.ZERO, true, measuredAt, replayedUpTo, false);
				}
				// it has received all the primary had flushed, and the primary has more
				boolean awaitsFlush = rs.getBoolean(5) && !primaryPoint.flushed().isAtLeast(primaryPoint.position());
				return new ReplicaLag(behind, replayTimestamp, timeLag(replayTimestamp, measuredAt), false, measuredAt,
						replayedUpTo, awaitsFlush);
			}
		}
		catch (SQLException ex) {
			if ((checked && refusedIdentity(ex, "replica")) || (timelineChecked && refusedTimeline(ex))) {
				return measureReplica(primaryPoint);
			}
			throw unavailable(ex);
		}
	}

	/**
	 * Checks that the replica is a standby of the primary, as each measurement does: for
	 * a check before a run. The primary itself passes, with the warning a measurement
	 * gives.
	 * @throws NotAStandbyException when the replica is not a standby of the primary
	 * @throws ReplicaUnavailableException when the replica cannot be queried
	 * @throws DataAccessResourceFailureException when the primary cannot be queried
	 */
	public void checkStandby() {
		measureReplica(primaryPoint(this.primary, "the primary's WAL position to check the replica"));
	}

	private void checkStandby(boolean inRecovery, ServerIdentity replica) {
		ServerIdentity primary = primaryIdentity(false);
		if (primary != null && !replica.standbyOf(primary, inRecovery)) {
			// the primary's may have changed since it was read: a failover restarts it
			primary = primaryIdentity(true);
			if (primary != null && !replica.standbyOf(primary, inRecovery)) {
				throw new NotAStandbyException(notAStandby(primary, replica));
			}
		}
		if (!inRecovery && !this.primaryItselfLogged.getAndSet(true)) {
			logger.warn("healthscore.replica.url names the primary itself (not in recovery, with the primary's system"
					+ " identifier and start time): reading it, caught up by definition; name a standby to take"
					+ " the bulk reads off the primary, or unset it");
		}
	}

	/**
	 * Refuses a standby whose latest timeline is not the primary's: after a failover, one
	 * that still replays the old primary's timeline (the old primary stopped, or writing
	 * on: split brain), or follows a server promoted after the primary. Its WAL positions
	 * count along another history than the primary's, so its lag means nothing, and it
	 * may hold commits the primary never had.
	 */
	private static void checkTimeline(PrimaryPoint primary, Timeline replica, WalPosition replayed) {
		if (replica.id() == primary.timeline()) {
			return;
		}
		if (replica.id() < primary.timeline()) {
			throw new NotAStandbyException(("healthscore.replica.url names a standby (%s) on timeline %d, the"
					+ " primary (%s) writes timeline %d: a failover promoted a server that the standby does not"
					+ " follow, and it replays the old primary's WAL (up to %s of timeline %d), so its WAL positions"
					+ " are not the primary's and it may hold commits the primary never had. Point the standby at"
					+ " the primary (primary_conninfo; recovery_target_timeline 'latest', the default) and rerun"
					+ " once it has followed onto timeline %d; if its log then says the new timeline forked off"
					+ " before its current recovery point, it has diverged: rebuild it from a base backup of the"
					+ " primary")
				.formatted(replica.server(), replica.id(), primary.server(), primary.timeline(), replayed, replica.id(),
						primary.timeline()));
		}
		throw new NotAStandbyException(("healthscore.replica.url names a standby (%s) on timeline %d, newer than"
				+ " the timeline %d the primary (%s) writes: it follows a server promoted after the primary (a"
				+ " failover that the jobs' primary URL has not followed), so its data is not the primary's. Find"
				+ " which server is the primary now: correct the primary's URL, or point the standby at the primary")
			.formatted(replica.server(), replica.id(), primary.timeline(), primary.server()));
	}

	private static String notAStandby(ServerIdentity primary, ServerIdentity replica) {
		if (replica.systemIdentifier() == primary.systemIdentifier()
				&& !replica.database().equals(primary.database())) {
			return ("healthscore.replica.url names database %s of the primary's cluster, not the primary's database"
					+ " %s: name database %s on the standby")
				.formatted(replica.database(), primary.database(), primary.database());
		}
		if (replica.systemIdentifier() != primary.systemIdentifier()) {
			return ("healthscore.replica.url names a server of another cluster: its system identifier is %s, the"
					+ " primary's %s (another database, not a copy of the primary's)")
				.formatted(Long.toUnsignedString(replica.systemIdentifier()),
						Long.toUnsignedString(primary.systemIdentifier()));
		}
		return ("healthscore.replica.url names a server of the primary's cluster that is not in recovery and is not"
				+ " the primary (system identifier %s, started %s, the primary %s): a standby promoted, or a copy"
				+ " restored, which the primary's writes no longer reach")
			.formatted(Long.toUnsignedString(replica.systemIdentifier()), replica.startedAt(), primary.startedAt());
	}

	/**
	 * The primary's identity: read once, and again when {@code fresh}.
	 */
	private ServerIdentity primaryIdentity(boolean fresh) {
		ServerIdentity identity = this.primaryIdentity;
		if (identity == null || fresh) {
			try {
				identity = queryPrimary(this.primary, IDENTITY_SQL, "the primary's system identifier",
						(rs) -> identity(rs, 2));
			}
			catch (DataAccessResourceFailureException ex) {
				if (ex.getCause() instanceof SQLException sql && refusedIdentity(sql, "primary")) {
					return null;
				}
				throw ex;
			}
			this.primaryIdentity = identity;
		}
		return identity;
	}

	/**
	 * Whether {@code ex} is {@code pg_control_system()} refused to this user (its EXECUTE
	 * revoked from PUBLIC, as some hardened or managed servers do): the identity is then
	 * not checked, with one warning that says what it costs and how to grant it.
	 */
	private boolean refusedIdentity(SQLException ex, String server) {
		if (!refused(ex, "pg_control_system")) {
			return false;
		}
		if (!this.identityUnreadable) {
			this.identityUnreadable = true;
			logger.warn("Cannot check that healthscore.replica.url names a standby of the primary: the {} refuses"
					+ " pg_control_system() to this user ({}); a server of another cluster, or a promoted standby,"
					+ " would be read as the replica. GRANT EXECUTE ON FUNCTION pg_control_system() TO the user on"
					+ " the primary (the standby replays it) to have it checked", server, ex.getMessage());
		}
		return true;
	}

	/**
	 * Whether {@code ex} is {@code pg_ls_waldir()} refused to this user (not a superuser
	 * nor a member of {@code pg_monitor}): the timeline is then not checked, with one
	 * warning that says what it costs and how to grant it.
	 */
	private boolean refusedTimeline(SQLException ex) {
		if (!refused(ex, "pg_ls_waldir")) {
			return false;
		}
		if (!this.timelineUnreadable) {
			this.timelineUnreadable = true;
			logger.warn("Cannot check the replica's timeline against the primary's: the replica refuses"
					+ " pg_ls_waldir() to this user ({}); a standby that a failover left on another timeline (still"
					+ " replaying the old primary, or following another promoted server) would be read as the"
					+ " replica. GRANT pg_monitor TO the user on the primary (the standby replays it) to have it"
					+ " checked", ex.getMessage());
		}
		return true;
	}

	/** Whether {@code ex} is the server refusing {@code function} to this user. */
	private static boolean refused(SQLException ex, String function) {
		return INSUFFICIENT_PRIVILEGE.equals(ex.getSQLState()) && ex.getMessage() != null
				&& ex.getMessage().contains(function);
	}

	private static ServerIdentity identity(ResultSet rs, int column) throws SQLException {
		return new ServerIdentity(rs.getLong(column), rs.getObject(column + 1, OffsetDateTime.class).toInstant(),
				rs.getString(column + 2));
	}

	private static ReplicaUnavailableException unavailable(SQLException ex) {
		// the pool's timeout ("Connection is not available, request timed out after
		// …") does not say why; its cause, when it has one, does: the refused host
		// and port, the password, the database
		Throwable why = (ex instanceof SQLTransientConnectionException && ex.getCause() != null) ? ex.getCause() : ex;
		return new ReplicaUnavailableException("Cannot query the replica: " + Causes.describe(why), ex);
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
	 * The end of the WAL {@code primary} has inserted: every transaction that had
	 * committed, also one with {@code synchronous_commit = off} whose commit record the
	 * WAL writer has not written yet, is in the WAL before it. A replica that has
	 * replayed up to it sees them all.
	 * @throws DataAccessResourceFailureException when the primary cannot be queried
	 */
	public static WalPosition position(DataSource primary) {
		return primaryPoint(primary, "the primary's WAL position").position();
	}

	private static PrimaryPoint primaryPoint(DataSource primary, String what) {
		return queryPrimary(primary, PRIMARY_SQL, what,
				(rs) -> new PrimaryPoint(rs.getObject(1, OffsetDateTime.class).toInstant(),
						insertedUpTo(WalPosition.parse(rs.getString(2)), rs.getLong(3), rs.getInt(4)),
						WalPosition.parse(rs.getString(5)), Long.parseLong(rs.getString(6), 16), rs.getString(7)));
	}

	/**
	 * Makes the primary flush the WAL it has inserted, so that a replica can receive it:
	 * commits a transaction that has a transaction id and wrote nothing. Its commit
	 * record marks the WAL up to its end as to be flushed by the WAL writer, which does
	 * so within {@code wal_writer_delay} (woken at once if it idles), all WAL inserted
	 * before it included, the WAL of transactions still open too. Costs a transaction id
	 * and a commit record; needs no privilege, and works in a read-only transaction. (A
	 * transaction that wrote no WAL of its own commits asynchronously whatever
	 * {@code synchronous_commit} says, so the commit does not wait for the flush.) Call
	 * it when a measurement {@link ReplicaLag#awaitsPrimaryFlush() awaits the primary's
	 * flush}: without it, WAL of a transaction still open stays unflushed until something
	 * else flushes.
	 * @throws DataAccessResourceFailureException when the primary cannot be reached
	 */
	public void flushPrimary() {
		try (Connection connection = this.primary.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			connection.setAutoCommit(false);
			try (PreparedStatement ps = connection.prepareStatement("SELECT pg_current_xact_id()")) {
				ps.executeQuery().close();
				connection.commit();
			}
			finally {
				connection.setAutoCommit(autoCommit);
			}
		}
		catch (SQLException ex) {
			throw new DataAccessResourceFailureException(
					"Cannot make the primary flush its WAL for the replica: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Where the last inserted WAL record ends, from the insert position
	 * {@code pg_current_wal_insert_lsn()} reports: where the next record will begin. When
	 * the last record filled its page to the end (or was a WAL switch, which fills its
	 * segment), that is past the next page's header, where no record ends: a replica
	 * would not replay up to it before more WAL came, which an idle primary may not write
	 * for long. The record's end is then the page's start; anywhere else in a page the
	 * two are the same.
	 * @param insert the insert position
	 * @param segmentSize the WAL segment size in bytes ({@code wal_segment_size})
	 * @param blockSize the WAL page size in bytes ({@code wal_block_size})
	 */
	static WalPosition insertedUpTo(WalPosition insert, long segmentSize, int blockSize) {
		long inSegment = Long.remainderUnsigned(insert.value(), segmentSize);
		int header = (inSegment < blockSize) ? LONG_PAGE_HEADER : SHORT_PAGE_HEADER;
		return (inSegment % blockSize == header) ? new WalPosition(insert.value() - header) : insert;
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

	/**
	 * The primary's clock, the end of its inserted WAL, the end of its flushed WAL and
	 * the timeline it writes ({@code pg_walfile_name()}, which needs no privilege), read
	 * together, and which server answered.
	 */
	private record PrimaryPoint(Instant measuredAt, WalPosition position, WalPosition flushed, long timeline,
			String server) {

	}

	/**
	 * The latest timeline a standby has WAL of, and which server it is.
	 *
	 * @param id the timeline's id
	 * @param server the standby's address and port, as it sees them
	 */
	private record Timeline(long id, String server) {

	}

	/**
	 * Which server a connection reached.
	 *
	 * @param systemIdentifier its cluster's ({@code pg_control_system()}), unsigned
	 * @param startedAt when its postmaster started ({@code pg_postmaster_start_time()})
	 * @param database the database connected to ({@code current_database()})
	 */
	private record ServerIdentity(long systemIdentifier, Instant startedAt, String database) {

		/**
		 * Whether this server, in recovery or not, is a standby of {@code primary}'s
		 * cluster or {@code primary} itself, connected to the primary's database.
		 */
		boolean standbyOf(ServerIdentity primary, boolean inRecovery) {
			return this.systemIdentifier == primary.systemIdentifier && this.database.equals(primary.database)
					&& (inRecovery || this.startedAt.equals(primary.startedAt));
		}

	}

	/** What a row of the primary's says. */
	@FunctionalInterface
	private interface Row<T> {

		T read(ResultSet rs) throws SQLException;

	}

}
