package dev.healthscore.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.SQLException;

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

	static BenchDatabase start() throws IOException {
		return new BenchDatabase(EmbeddedPostgresCluster.start());
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
			try (java.sql.Statement statement = connection.createStatement()) {
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
