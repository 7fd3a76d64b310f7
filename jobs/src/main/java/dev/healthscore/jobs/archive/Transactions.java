package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Runs work in one transaction on a connection that is otherwise in autocommit, as the
 * archive's connections are (a concurrent detach needs autocommit).
 */
final class Transactions {

	private Transactions() {
	}

	/**
	 * Runs the work, commits, and puts the connection back in autocommit; rolls back on
	 * any failure.
	 * @param connection an autocommit connection
	 * @param work the statements
	 */
	static void inTransaction(Connection connection, Work work) throws Exception {
		connection.setAutoCommit(false);
		try {
			work.run();
			connection.commit();
		}
		catch (Exception ex) {
			try {
				connection.rollback();
			}
			catch (SQLException rollback) {
				ex.addSuppressed(rollback);
			}
			throw ex;
		}
		finally {
			connection.setAutoCommit(true);
		}
	}

	/** Statements to run in a transaction. */
	@FunctionalInterface
	interface Work {

		void run() throws Exception;

	}

}
