package dev.healthscore.io.archive;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import dev.healthscore.io.s3.S3Location;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Loads an archived month from S3 back into a PostgreSQL table with binary {@code COPY},
 * then checks the table by SQL against the (verified) manifest's row count and checksum.
 */
public final class PartitionRestorer {

	private static final Logger logger = LoggerFactory.getLogger(PartitionRestorer.class);

	private final S3Client s3;

	/**
	 * Creates a restorer.
	 * @param s3 the client
	 */
	public PartitionRestorer(S3Client s3) {
		this.s3 = s3;
	}

	/**
	 * Copies every data file of the manifest into a table, which should be empty (a new
	 * partition, or a staging table attached afterwards): rows already there make the
	 * check fail. Runs in the connection's transaction; the caller commits or rolls back.
	 * The same as {@link #load} then {@link #check}.
	 * @param connection a connection to the target database
	 * @param manifest the month's manifest
	 * @param targetTable the table to load, with the table's columns
	 * @return the verification, whose {@code expected} is the manifest's
	 */
	public ArchiveVerification restore(Connection connection, ArchiveManifest manifest, String targetTable)
			throws SQLException, IOException {
		return check(connection, manifest, targetTable, load(connection, manifest, targetTable));
	}

	/**
	 * Copies every data file of the manifest into a table by binary {@code COPY}, in the
	 * connection's transaction, and returns what the files held.
	 * @param connection a connection to the target database
	 * @param manifest the month's manifest, verified
	 * @param targetTable the table to load, with the table's columns
	 * @return the row count and checksum of the rows read from the files and sent
	 */
	public ContentChecksum load(Connection connection, ArchiveManifest manifest, String targetTable)
			throws SQLException, IOException {
		ChecksumSql.query(manifest.archiveTable(), targetTable); // checks the name before
																	// it reaches SQL
		if (!manifest.verified()) {
			throw new IllegalArgumentException("Cannot restore " + manifest.location()
					+ ": its manifest was never verified, so there is no checksum to restore by");
		}
		long start = System.nanoTime();
		ContentChecksum loaded = copyIn(connection, manifest, targetTable);
		long millis = Math.max(1, (System.nanoTime() - start) / 1_000_000);
		logger.info("Loaded {} into {}: {} rows, {} MiB of Parquet in {} ms, {} rows/s", manifest.location(),
				targetTable, loaded.rows(), String.format(Locale.ROOT, "%.1f", manifest.bytes() / 1048576.0), millis,
				loaded.rows() * 1000 / millis);
		return loaded;
	}

	/**
	 * Checks a table loaded by {@link #load}: what the files held, and the table's
	 * checksum computed by SQL, against the manifest's.
	 * @param connection a connection to the target database, in the load's transaction
	 * @param manifest the month's manifest
	 * @param targetTable the loaded table
	 * @param loaded what {@link #load} returned
	 * @return the verification, whose {@code expected} is the manifest's
	 */
	public ArchiveVerification check(Connection connection, ArchiveManifest manifest, String targetTable,
			ContentChecksum loaded) throws SQLException {
		long start = System.nanoTime();
		List<String> problems = new ArrayList<>();
		if (!loaded.equals(manifest.contentChecksum())) {
			problems.add("Objects in " + manifest.location() + " hold " + loaded + ", manifest says "
					+ manifest.contentChecksum());
		}
		ContentChecksum restored = ChecksumSql.compute(connection, manifest.archiveTable(), targetTable);
		ArchiveVerification verification = new ArchiveVerification(manifest.contentChecksum(), restored, problems);
		long millis = Math.max(1, (System.nanoTime() - start) / 1_000_000);
		logger.info("Checked {} by SQL: {} rows in {} ms, {} rows/s, {}", targetTable, restored.rows(), millis,
				restored.rows() * 1000 / millis, verification.matches() ? "verified" : verification.problems());
		return verification;
	}

	private ContentChecksum copyIn(Connection connection, ArchiveManifest manifest, String targetTable)
			throws SQLException, IOException {
		ArchiveTable table = manifest.archiveTable();
		S3Location folder = S3Location.parse(manifest.location());
		ArchiveObjects objects = new ArchiveObjects(this.s3);
		RowChecksum checksum = new RowChecksum(table);
		String sql = "COPY " + targetTable + " (" + table.columnList() + ") FROM STDIN (FORMAT binary)";
		PGCopyOutputStream copy = new PGCopyOutputStream(connection.unwrap(PGConnection.class), sql);
		try {
			PgBinaryCopy.Writer writer = new PgBinaryCopy.Writer(copy, table);
			for (ArchiveFile file : manifest.files()) {
				objects.read(table, new S3Location(folder.bucket(), file.key()), file.bytes(), (row) -> {
					writer.write(row);
					checksum.add(row);
				});
			}
			writer.finish();
			copy.endCopy();
			return checksum.result();
		}
		catch (IOException | SQLException | RuntimeException ex) {
			cancel(copy, ex);
			throw ex;
		}
	}

	/**
	 * Ends a failed COPY FROM STDIN: pgjdbc sends CopyFail in band, so the server rolls
	 * the COPY back and the connection stays usable.
	 */
	private static void cancel(PGCopyOutputStream copy, Exception failure) {
		try {
			if (copy.isActive()) {
				copy.cancelCopy();
			}
		}
		catch (SQLException | RuntimeException ex) {
			failure.addSuppressed(ex);
		}
	}

}
