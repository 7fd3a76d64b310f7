package dev.healthscore.io.archive;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import dev.healthscore.io.Causes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archive ledger ({@code archive_ledger}): one row per table month with its
 * {@link ArchiveState}. Every move is a compare-and-set ({@code UPDATE … WHERE state =
 * expected}), so two runs can never both advance a month; a session-level advisory lock
 * per month keeps a second run from even starting on it. Statements run on the given
 * connection, in its transaction if it has one, so a move can commit together with the
 * DDL it records.
 */
public final class ArchiveLedger {

	private static final Logger logger = LoggerFactory.getLogger(ArchiveLedger.class);

	/** The longest {@code last_error} that {@link #describe} returns. */
	public static final int LAST_ERROR_MAX_LENGTH = 2000;

	/** First key of the advisory locks, "HSA" and the table's ordinal. */
	private static final int LOCK_NAMESPACE = 0x48534100;

	private static final String COLUMNS = "table_name, month, partition_name, state, s3_uri, file_count, row_count,"
			+ " checksum, bytes, job_execution_id, started_at, updated_at, verified_at, detached_at, dropped_at,"
			+ " restored_at, last_error";

	/**
	 * Returns a month's entry.
	 * @param connection the connection
	 * @param table the table
	 * @param month the month
	 * @return the entry, or null when the month was never archived
	 */
	public ArchiveLedgerEntry find(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		List<ArchiveLedgerEntry> entries = query(connection,
				"SELECT " + COLUMNS + " FROM archive_ledger WHERE table_name = ? AND month = ?", table.tableName(),
				month.atDay(1));
		return entries.isEmpty() ? null : entries.get(0);
	}

	/**
	 * Returns every entry, by month then table.
	 * @param connection the connection
	 * @return the entries
	 */
	public List<ArchiveLedgerEntry> entries(Connection connection) throws SQLException {
		return query(connection, "SELECT " + COLUMNS + " FROM archive_ledger ORDER BY month, table_name");
	}

	/**
	 * Records that a month's export starts, in state {@link ArchiveState#EXPORTING}.
	 * @param connection the connection
	 * @param table the table
	 * @param month the month
	 * @param jobExecutionId the job execution
	 * @return true when this call created the entry, false when it already existed
	 */
	public boolean begin(Connection connection, ArchiveTable table, YearMonth month, Long jobExecutionId)
			throws SQLException {
		return update(connection,
				"INSERT INTO archive_ledger (table_name, month, partition_name, state,"
						+ " job_execution_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (table_name, month) DO NOTHING",
				table.tableName(), month.atDay(1), table.partitionName(month), ArchiveState.EXPORTING.name(),
				jobExecutionId) == 1;
	}

	/**
	 * Moves a month from {@link ArchiveState#EXPORTING} to {@link ArchiveState#EXPORTED},
	 * recording what the manifest says was written: files, rows and bytes; the checksum
	 * comes with {@link #verified}.
	 * @param connection the connection
	 * @param manifest the export's manifest
	 * @param jobExecutionId the job execution
	 */
	public void exported(Connection connection, ArchiveManifest manifest, Long jobExecutionId) throws SQLException {
		ArchiveTable table = manifest.archiveTable();
		YearMonth month = manifest.yearMonth();
		int updated = update(connection,
				"UPDATE archive_ledger SET state = ?, s3_uri = ?, file_count = ?, row_count = ?, checksum = ?,"
						+ " bytes = ?, job_execution_id = ?, last_error = NULL, updated_at = now()"
						+ " WHERE table_name = ? AND month = ? AND state = ?",
				ArchiveState.EXPORTED.name(), manifest.location(), manifest.files().size(), manifest.rows(),
				manifest.checksum(), manifest.bytes(), jobExecutionId, table.tableName(), month.atDay(1),
				ArchiveState.EXPORTING.name());
		checkMoved(connection, updated, table, month, ArchiveState.EXPORTING, ArchiveState.EXPORTED);
	}

	/**
	 * Moves a month from {@link ArchiveState#EXPORTED} to {@link ArchiveState#VERIFIED},
	 * recording the checksum its objects were read back with, which equals the source's.
	 * @param connection the connection
	 * @param table the table
	 * @param month the month
	 * @param checksum the verified content checksum
	 * @param at when it was verified
	 * @param jobExecutionId the job execution
	 */
	public void verified(Connection connection, ArchiveTable table, YearMonth month, ContentChecksum checksum,
			Instant at, Long jobExecutionId) throws SQLException {
		int updated = update(connection,
				"UPDATE archive_ledger SET state = ?, checksum = ?, verified_at = ?, job_execution_id = ?,"
						+ " last_error = NULL, updated_at = now() WHERE table_name = ? AND month = ? AND state = ?"
						+ " AND row_count = ?",
				ArchiveState.VERIFIED.name(), checksum.checksum(), at.atOffset(ZoneOffset.UTC), jobExecutionId,
				table.tableName(), month.atDay(1), ArchiveState.EXPORTED.name(), checksum.rows());
		checkMoved(connection, updated, table, month, ArchiveState.EXPORTED, ArchiveState.VERIFIED);
	}

	/**
	 * Moves a month from one state to the next, stamping the new state's time column
	 * ({@code verified_at}, {@code detached_at}, {@code dropped_at} or
	 * {@code restored_at}) and clearing the last error.
	 * @param connection the connection
	 * @param table the table
	 * @param month the month
	 * @param from the state the month must be in
	 * @param to the state to move it to
	 * @param at the time of the move
	 * @param jobExecutionId the job execution
	 * @throws IllegalStateException when the month is not in {@code from}: another run
	 * moved it
	 */
	public void move(Connection connection, ArchiveTable table, YearMonth month, ArchiveState from, ArchiveState to,
			Instant at, Long jobExecutionId) throws SQLException {
		checkEdge(from, to);
		if (to == ArchiveState.VERIFIED) {
			throw new IllegalArgumentException("A month becomes VERIFIED with its checksum: use verified()");
		}
		String stamp = switch (to) {
			case DETACHED -> "detached_at";
			case DROPPED -> "dropped_at";
			case RESTORED -> "restored_at";
			default -> null;
		};
		List<Object> values = new ArrayList<>(List.of(to.name(), jobExecutionId));
		if (stamp != null) {
			values.add(at.atOffset(ZoneOffset.UTC));
		}
		values.addAll(List.of(table.tableName(), month.atDay(1), from.name()));
		int updated = update(connection,
				"UPDATE archive_ledger SET state = ?, job_execution_id = ?, last_error = NULL, updated_at = now()"
						+ ((stamp != null) ? ", " + stamp + " = ?" : "")
						+ " WHERE table_name = ? AND month = ? AND state = ?",
				values.toArray());
		checkMoved(connection, updated, table, month, from, to);
	}

	/**
	 * Sends a month back to {@link ArchiveState#EXPORTING} because its copy no longer
	 * matches, keeping the reason as the last error.
	 * @param connection the connection
	 * @param table the table
	 * @param month the month
	 * @param from the state the month must be in
	 * @param reason what did not match
	 */
	public void exportAgain(Connection connection, ArchiveTable table, YearMonth month, ArchiveState from,
			String reason) throws SQLException {
		checkEdge(from, ArchiveState.EXPORTING);
		int updated = update(connection,
				"UPDATE archive_ledger SET state = ?, last_error = ?, updated_at = now()"
						+ " WHERE table_name = ? AND month = ? AND state = ?",
				ArchiveState.EXPORTING.name(), reason, table.tableName(), month.atDay(1), from.name());
		checkMoved(connection, updated, table, month, from, ArchiveState.EXPORTING);
	}

	/**
	 * Moves a restored month back to {@link ArchiveState#EXPORTING}, to be archived again
	 * with what its partition holds now: the last archive's counts and checksum, and the
	 * times of its verification, detach and drop, are cleared (they are set again as the
	 * month gets there, and {@code status} shows no counts of a copy being replaced), its
	 * start is now, and {@code restored_at} stays as the record of its restore.
	 * @param connection the connection
	 * @param table the table
	 * @param month the month
	 * @param jobExecutionId the job execution
	 * @throws IllegalStateException when the month is not {@code RESTORED}: another run
	 * moved it
	 */
	public void archiveAgain(Connection connection, ArchiveTable table, YearMonth month, Long jobExecutionId)
			throws SQLException {
		checkEdge(ArchiveState.RESTORED, ArchiveState.EXPORTING);
		int updated = update(connection,
				"UPDATE archive_ledger SET state = ?, job_execution_id = ?, last_error = NULL, file_count = NULL,"
						+ " row_count = NULL, checksum = NULL, bytes = NULL, verified_at = NULL, detached_at = NULL,"
						+ " dropped_at = NULL, started_at = now(), updated_at = now()"
						+ " WHERE table_name = ? AND month = ? AND state = ?",
				ArchiveState.EXPORTING.name(), jobExecutionId, table.tableName(), month.atDay(1),
				ArchiveState.RESTORED.name());
		checkMoved(connection, updated, table, month, ArchiveState.RESTORED, ArchiveState.EXPORTING);
	}

	/**
	 * Records a failure without changing the state.
	 * @param connection the connection
	 * @param table the table
	 * @param month the month
	 * @param error what failed
	 */
	public void failed(Connection connection, ArchiveTable table, YearMonth month, String error) throws SQLException {
		update(connection,
				"UPDATE archive_ledger SET last_error = ?, updated_at = now() WHERE table_name = ? AND month = ?",
				error, table.tableName(), month.atDay(1));
	}

	/**
	 * Records a failure without changing the state, described with its causes (see
	 * {@link #describe}).
	 * @param connection the connection
	 * @param table the table
	 * @param month the month
	 * @param failure what failed
	 */
	public void failed(Connection connection, ArchiveTable table, YearMonth month, Throwable failure)
			throws SQLException {
		failed(connection, table, month, describe(failure));
	}

	/**
	 * Describes a failure for {@code last_error}: its message, then the class and message
	 * of each cause that adds one ({@code "…; caused by SdkClientException: …"}), since
	 * the outermost message often only says what was being done, and the cause why it
	 * failed; cut to {@value #LAST_ERROR_MAX_LENGTH} characters.
	 * @param failure the failure
	 * @return the description
	 */
	public static String describe(Throwable failure) {
		String text = Causes.describe(failure);
		if (text.length() <= LAST_ERROR_MAX_LENGTH) {
			return text;
		}
		int end = LAST_ERROR_MAX_LENGTH - 1;
		if (Character.isHighSurrogate(text.charAt(end - 1))) {
			end--;
		}
		return text.substring(0, end) + "…";
	}

	/**
	 * Runs work on a month whose lock {@link #tryLock} took on {@code connection}, then
	 * releases the lock. A failure of the work is recorded in {@code last_error} with its
	 * causes (see {@link #describe}) and stays the error: a failure to record it or to
	 * release the lock is attached to it as suppressed, never put in its place. After
	 * work that succeeded, a failure to release the lock is logged: the lock ends with
	 * the session, and the pool closes a broken connection.
	 * @param connection the connection holding the lock
	 * @param table the table
	 * @param month the month
	 * @param work what to do while the lock is held
	 * @return what the work returned
	 */
	public <T> T holding(Connection connection, ArchiveTable table, YearMonth month, LockedWork<T> work)
			throws Exception {
		Exception failure = null;
		try {
			return work.run();
		}
		catch (Exception ex) {
			failure = ex;
			try {
				failed(connection, table, month, ex);
			}
			catch (SQLException | RuntimeException recording) {
				ex.addSuppressed(recording);
			}
			throw ex;
		}
		finally {
			try {
				unlock(connection, table, month);
			}
			catch (SQLException | RuntimeException ex) {
				if (failure != null) {
					failure.addSuppressed(ex);
				}
				else {
					logger.warn("Cannot release the lock of {}: {}", table.partitionName(month), ex.getMessage());
				}
			}
		}
	}

	/**
	 * Work on a month while its lock is held.
	 *
	 * @param <T> what it returns
	 */
	@FunctionalInterface
	public interface LockedWork<T> {

		/**
		 * Does the work.
		 * @return its result
		 */
		T run() throws Exception;

	}

	/**
	 * Takes the month's session-level advisory lock if no other session holds it.
	 * @param connection the connection that will hold the lock until {@link #unlock
	 * unlocked} or closed
	 * @param table the table
	 * @param month the month
	 * @return true when the lock was taken
	 */
	public boolean tryLock(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		return advisory(connection, "pg_try_advisory_lock", table, month);
	}

	/**
	 * Releases the lock taken by {@link #tryLock}.
	 * @param connection the connection holding the lock
	 * @param table the table
	 * @param month the month
	 */
	public void unlock(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		advisory(connection, "pg_advisory_unlock", table, month);
	}

	/**
	 * Returns whether another session holds the month's lock ({@link #tryLock}), without
	 * taking it: a run would pass the month over now.
	 * @param connection the connection
	 * @param table the table
	 * @param month the month
	 * @return true when another session of this database holds the lock
	 */
	public boolean lockedElsewhere(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		// a two-key advisory lock shows its keys as classid and objid, with objsubid 2
		String sql = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
				+ " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
				+ " AND classid = CAST(? AS integer)::oid AND objid = CAST(? AS integer)::oid AND objsubid = 2"
				+ " AND pid <> pg_backend_pid())";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setInt(1, lockKey(table));
			statement.setInt(2, lockKey(month));
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getBoolean(1);
			}
		}
	}

	private static int lockKey(ArchiveTable table) {
		return LOCK_NAMESPACE + table.ordinal();
	}

	private static int lockKey(YearMonth month) {
		return month.getYear() * 12 + month.getMonthValue() - 1;
	}

	private static boolean advisory(Connection connection, String function, ArchiveTable table, YearMonth month)
			throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT " + function + "(?, ?)")) {
			statement.setInt(1, lockKey(table));
			statement.setInt(2, lockKey(month));
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getBoolean(1);
			}
		}
	}

	private static void checkEdge(ArchiveState from, ArchiveState to) {
		if (!from.canMoveTo(to)) {
			throw new IllegalArgumentException("Invalid archive state move: " + from + " to " + to);
		}
	}

	private void checkMoved(Connection connection, int updated, ArchiveTable table, YearMonth month, ArchiveState from,
			ArchiveState to) throws SQLException {
		if (updated != 1) {
			ArchiveLedgerEntry entry = find(connection, table, month);
			throw new IllegalStateException("Cannot move " + table.tableName() + " " + month + " from " + from + " to "
					+ to + ": the ledger says " + ((entry != null) ? entry.state() : "nothing")
					+ " (another run moved it)");
		}
	}

	private static int update(Connection connection, String sql, Object... values) throws SQLException {
		try (PreparedStatement statement = prepare(connection, sql, values)) {
			return statement.executeUpdate();
		}
	}

	private static List<ArchiveLedgerEntry> query(Connection connection, String sql, Object... values)
			throws SQLException {
		List<ArchiveLedgerEntry> entries = new ArrayList<>();
		try (PreparedStatement statement = prepare(connection, sql, values);
				ResultSet result = statement.executeQuery()) {
			while (result.next()) {
				entries.add(entry(result));
			}
		}
		return entries;
	}

	private static PreparedStatement prepare(Connection connection, String sql, Object... values) throws SQLException {
		PreparedStatement statement = connection.prepareStatement(sql);
		for (int i = 0; i < values.length; i++) {
			statement.setObject(i + 1, values[i]);
		}
		return statement;
	}

	private static ArchiveLedgerEntry entry(ResultSet result) throws SQLException {
		return new ArchiveLedgerEntry(ArchiveTable.of(result.getString("table_name")),
				YearMonth.from(result.getObject("month", LocalDate.class)), result.getString("partition_name"),
				ArchiveState.valueOf(result.getString("state")), result.getString("s3_uri"),
				result.getObject("file_count", Integer.class), result.getObject("row_count", Long.class),
				result.getString("checksum"), result.getObject("bytes", Long.class),
				result.getObject("job_execution_id", Long.class), instant(result, "started_at"),
				instant(result, "updated_at"), instant(result, "verified_at"), instant(result, "detached_at"),
				instant(result, "dropped_at"), instant(result, "restored_at"), result.getString("last_error"));
	}

	private static Instant instant(ResultSet result, String column) throws SQLException {
		OffsetDateTime time = result.getObject(column, OffsetDateTime.class);
		return (time != null) ? time.toInstant() : null;
	}

}
