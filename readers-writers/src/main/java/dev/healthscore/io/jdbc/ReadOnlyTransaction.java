package dev.healthscore.io.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

/**
 * Runs a block of reads in one read-only transaction on a connection of its own, and
 * hands the connection back as it found it. A failure stays the one that is thrown: the
 * transaction is rolled back before the settings are restored (they cannot change inside
 * a failed transaction), and a cleanup failure is attached to it, never put in its place,
 * so that a recovery conflict stays recognisable and can be retried.
 */
public final class ReadOnlyTransaction {

	private ReadOnlyTransaction() {
	}

	/**
	 * Reads with {@code work} in a read-only transaction on a connection of
	 * {@code dataSource}; it is rolled back when {@code work} throws.
	 * @throws E what {@code work} throws besides {@link SQLException}
	 */
	public static <T, E extends Exception> T run(DataSource dataSource, Work<T, E> work) throws SQLException, E {
		try (Connection connection = dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			connection.setAutoCommit(false);
			connection.setReadOnly(true);
			T result;
			try {
				result = work.read(connection);
				connection.commit();
			}
			catch (Exception ex) {
				try {
					connection.rollback();
					restore(connection, autoCommit);
				}
				catch (SQLException cleanup) {
					ex.addSuppressed(cleanup);
				}
				throw ex;
			}
			restore(connection, autoCommit);
			return result;
		}
	}

	private static void restore(Connection connection, boolean autoCommit) throws SQLException {
		connection.setReadOnly(false);
		connection.setAutoCommit(autoCommit);
	}

	/**
	 * Reads on a connection inside the transaction; may throw a checked exception
	 * {@code E} of its own (such as an {@link java.io.IOException} of what it writes).
	 */
	@FunctionalInterface
	public interface Work<T, E extends Exception> {

		T read(Connection connection) throws SQLException, E;

	}

}
