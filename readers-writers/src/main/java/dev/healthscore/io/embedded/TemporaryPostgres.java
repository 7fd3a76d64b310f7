package dev.healthscore.io.embedded;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * An embedded PostgreSQL started from the {@link PostgresTemplate} in a temporary
 * directory that {@link #close()} removes with the server, as a server zonky initialised
 * itself removes its own; what tests start instead of {@code builder.start()}.
 */
public final class TemporaryPostgres implements Closeable {

	private final Path directory;

	private final EmbeddedPostgres postgres;

	private TemporaryPostgres(Path directory, EmbeddedPostgres postgres) {
		this.directory = directory;
		this.postgres = postgres;
	}

	/** Starts {@code builder}'s server on a copy of the default locale's template. */
	public static TemporaryPostgres start(EmbeddedPostgres.Builder builder) throws IOException {
		return start(builder, Map.of());
	}

	/**
	 * Starts {@code builder}'s server on a copy of the template made with the
	 * {@code initdb} locale options {@code locale}.
	 */
	public static TemporaryPostgres start(EmbeddedPostgres.Builder builder, Map<String, String> locale)
			throws IOException {
		Path directory = Files.createTempDirectory("healthscore-pg-");
		try {
			return new TemporaryPostgres(directory, PostgresTemplate.start(builder, directory.resolve("data"), locale));
		}
		catch (IOException | RuntimeException ex) {
			PostgresTemplate.deleteRecursively(directory);
			throw ex;
		}
	}

	/** The server. */
	public EmbeddedPostgres server() {
		return this.postgres;
	}

	/** The server's {@code postgres} database as its superuser. */
	public DataSource getPostgresDatabase() {
		return this.postgres.getPostgresDatabase();
	}

	/** The server's {@code database} as {@code user}. */
	public DataSource getDatabase(String user, String database) {
		return this.postgres.getDatabase(user, database);
	}

	/** The JDBC URL of {@code database} as {@code user}. */
	public String getJdbcUrl(String user, String database) {
		return this.postgres.getJdbcUrl(user, database);
	}

	/** The server's port. */
	public int getPort() {
		return this.postgres.getPort();
	}

	/** Stops the server and removes its directory; safe twice. */
	@Override
	public void close() throws IOException {
		try {
			this.postgres.close();
		}
		finally {
			PostgresTemplate.deleteRecursively(this.directory);
		}
	}

}
