package dev.healthscore.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;

import javax.sql.DataSource;

import dev.healthscore.io.jdbc.PgBinaryFormat;
import dev.healthscore.jobs.embedded.EmbeddedPostgresCluster;
import org.postgresql.PGConnection;

/**
 * The PostgreSQL a benchmark runs on: the application's embedded default, a primary and a
 * streaming replica started from the Maven-provided binaries with the same settings.
 */
final class BenchDatabase implements AutoCloseable {

	private final EmbeddedPostgresCluster cluster;

	private BenchDatabase(EmbeddedPostgresCluster cluster) {
		this.cluster = cluster;
	}

	/**
	 * Starts the primary and its replica and makes their shared buffers resident.
	 * @see #makeSharedBuffersResident()
	 */
	static BenchDatabase start() throws IOException, SQLException {
		BenchDatabase db = new BenchDatabase(EmbeddedPostgresCluster.start());
		try {
			double seconds = db.makeSharedBuffersResident();
			System.out.printf(Locale.ROOT,
					"touched every page of the shared buffers of the primary and the replica in %.1f s, as on servers"
							+ " that have been up for a while (a throw-away table, dropped)%n",
					seconds);
			return db;
		}
		catch (SQLException | RuntimeException ex) {
			db.close();
			throw ex;
		}
	}

	/**
	 * Touches every page of the primary's and the replica's shared buffers once, with
	 * rows of a throw-away table dropped afterwards, so that a timed run finds the
	 * servers' shared memory resident, as on a server that has been up for a while, and
	 * none of the data it reads in the buffers. A freshly started server maps its shared
	 * buffers untouched, and on some virtual machines (measured on a Firecracker one) the
	 * first touch of a page costs a fault to the host: reading a block of 8 KiB into a
	 * never-used buffer took 36 µs there, into one used before 2.2 µs, from the same OS
	 * page cache. A run that reads blocks at random into fresh buffers would be timed by
	 * that, not by its own work.
	 * @return the seconds it took
	 */
	double makeSharedBuffersResident() throws SQLException {
		long started = System.nanoTime();
		long pages;
		try (Connection connection = dataSource().getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement
					.executeQuery("SELECT setting::bigint FROM pg_settings WHERE name = 'shared_buffers'")) {
			result.next();
			pages = result.getLong(1); // in blocks of 8 KiB
		}
		String prewarm = "SELECT bench_resident.pg_prewarm('bench_resident.filler', 'buffer')";
		// seven rows of 1,000 bytes to a page; a tenth more pages than there are buffers,
		// so that every buffer is used
		execute(dataSource(), "CREATE SCHEMA bench_resident", "CREATE EXTENSION pg_prewarm SCHEMA bench_resident",
				"CREATE TABLE bench_resident.filler AS SELECT repeat('x', 1000) AS pad FROM generate_series(1, "
						+ (pages + pages / 10) * 7 + ")",
				prewarm);
		this.cluster.awaitCaughtUp(Duration.ofMinutes(2));
		execute(replicaDataSource(), prewarm);
		// the replica replays the drop before anything is timed: settle() waits for it
		execute(dataSource(), "DROP SCHEMA bench_resident CASCADE");
		return (System.nanoTime() - started) / 1e9;
	}

	/**
	 * Runs {@code VACUUM ANALYZE} after the data was generated, then lets both servers
	 * finish their background work before anything is timed: a checkpoint on the primary
	 * (so that the checkpointer does not write the generated gigabytes out during a timed
	 * run), the replica replaying the generated WAL (on the same cores), and a
	 * restartpoint on the replica. Prints how long it took.
	 */
	void settle() throws SQLException {
		long started = System.nanoTime();
		execute(dataSource(), "VACUUM ANALYZE", "CHECKPOINT");
		this.cluster.awaitCaughtUp(Duration.ofMinutes(10));
		execute(replicaDataSource(), "CHECKPOINT");
		System.out.printf(Locale.ROOT,
				"VACUUM ANALYZE, checkpoints, and the replica replaying the generated data: %.1f s, before anything"
						+ " is timed%n",
				(System.nanoTime() - started) / 1e9);
	}

	/** Runs statements in turn on one connection, discarding any rows they return. */
	private static void execute(DataSource dataSource, String... statements) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			for (String sql : statements) {
				statement.execute(sql);
			}
		}
	}

	DataSource dataSource() {
		return this.cluster.primaryDataSource();
	}

	DataSource replicaDataSource() {
		return this.cluster.replicaDataSource();
	}

	/**
	 * The arguments that point the application at the primary alone (reads from the
	 * primary).
	 */
	String[] appArguments() {
		return new String[] { "--spring.datasource.url=" + this.cluster.primaryJdbcUrl(),
				"--spring.datasource.username=postgres" };
	}

	/** The arguments that point the application at the primary and its replica. */
	String[] appArgumentsWithReplica() {
		return new String[] { "--spring.datasource.url=" + this.cluster.primaryJdbcUrl(),
				"--spring.datasource.username=postgres", "--healthscore.replica.url=" + this.cluster.replicaJdbcUrl() };
	}

	/** Runs {@code COPY (query) TO STDOUT (FORMAT binary)}, discarding the bytes. */
	CopyResult copyOutBinary(String query) throws SQLException, IOException {
		return copyOutBinary(query, "RESET enable_indexscan");
	}

	/**
	 * Times a binary {@code COPY} of a query to nowhere, after a setting.
	 * @param query the query
	 * @param setting a {@code SET} statement run first on the same connection
	 * @return the rows, bytes and seconds
	 */
	CopyResult copyOutBinary(String query, String setting) throws SQLException, IOException {
		try (Connection connection = dataSource().getConnection()) {
			try (Statement statement = connection.createStatement()) {
				statement.execute(setting);
			}
			CountingStream out = new CountingStream();
			double postgresCpu = PostgresCpu.seconds();
			long started = System.nanoTime();
			long rows = connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyOut("COPY (" + query + ") TO STDOUT (FORMAT binary)", out);
			return new CopyResult(rows, out.bytes, (System.nanoTime() - started) / 1e9,
					(out.firstByteNanos - started) / 1e9, PostgresCpu.seconds() - postgresCpu);
		}
	}

	@Override
	public void close() {
		this.cluster.close();
	}

	/**
	 * What a COPY out transferred, how long it took, when its first row came, and the CPU
	 * seconds PostgreSQL spent meanwhile (NaN where unknown).
	 */
	record CopyResult(long rows, long bytes, double seconds, double firstRowSeconds, double postgresCpuSeconds) {

	}

	private static final class CountingStream extends OutputStream {

		/**
		 * The binary COPY header, sent before the query runs: the signature, the flags
		 * and the (empty) header extension's length.
		 */
		private static final int HEADER_BYTES = PgBinaryFormat.signature().length + 8;

		long bytes;

		long firstByteNanos;

		@Override
		public void write(int b) {
			write(new byte[] { (byte) b }, 0, 1);
		}

		@Override
		public void write(byte[] b, int off, int len) {
			this.bytes += len;
			if (this.firstByteNanos == 0 && this.bytes > HEADER_BYTES) {
				this.firstByteNanos = System.nanoTime();
			}
		}

	}

}
