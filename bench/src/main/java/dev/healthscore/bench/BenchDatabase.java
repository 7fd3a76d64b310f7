package dev.healthscore.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.postgresql.PGConnection;

/**
 * The PostgreSQL a benchmark runs on: an embedded server from the Maven-provided
 * binaries, with the settings of the application's embedded default.
 */
final class BenchDatabase implements AutoCloseable {

	private final EmbeddedPostgres postgres;

	private BenchDatabase(EmbeddedPostgres postgres) {
		this.postgres = postgres;
	}

	static BenchDatabase start() throws IOException {
		return new BenchDatabase(EmbeddedPostgres.builder()
			.setServerConfig("fsync", "off")
			.setServerConfig("synchronous_commit", "off")
			.setServerConfig("full_page_writes", "off")
			.setServerConfig("shared_buffers", "512MB")
			.setServerConfig("max_wal_size", "4GB")
			.setServerConfig("work_mem", "32MB")
			.setServerConfig("maintenance_work_mem", "256MB")
			.start());
	}

	String url() {
		return this.postgres.getJdbcUrl("postgres", "postgres");
	}

	DataSource dataSource() {
		return this.postgres.getPostgresDatabase();
	}

	/** The arguments that point the application at this database. */
	String[] appArguments() {
		return new String[] { "--spring.datasource.url=" + url(), "--spring.datasource.username=postgres" };
	}

	/** Runs {@code COPY (query) TO STDOUT (FORMAT binary)}, discarding the bytes. */
	CopyResult copyOutBinary(String query) throws SQLException, IOException {
		try (Connection connection = dataSource().getConnection()) {
			CountingStream out = new CountingStream();
			long started = System.nanoTime();
			long rows = connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyOut("COPY (" + query + ") TO STDOUT (FORMAT binary)", out);
			return new CopyResult(rows, out.bytes, (System.nanoTime() - started) / 1e9);
		}
	}

	@Override
	public void close() throws IOException {
		this.postgres.close();
	}

	/** What a COPY out transferred and how long it took. */
	record CopyResult(long rows, long bytes, double seconds) {

	}

	private static final class CountingStream extends OutputStream {

		long bytes;

		@Override
		public void write(int b) {
			this.bytes++;
		}

		@Override
		public void write(byte[] b, int off, int len) {
			this.bytes += len;
		}

	}

}
