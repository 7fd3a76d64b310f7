package dev.healthscore.io.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import dev.healthscore.io.s3.S3Location;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Exports one month of a table from PostgreSQL to S3 as Parquet: rows streamed by binary
 * {@code COPY} in sort order, written to deterministic keys (a rerun overwrites), stale
 * files and unfinished uploads of an earlier run removed, and a manifest written last.
 * The manifest lists files, rows and bytes but no content checksums:
 * {@link ArchiveVerifier} reads the files back anyway, so it takes them there (hashing
 * every row on the way out too cost an eighth of the export's CPU).
 */
public final class PartitionExporter {

	private static final Logger logger = LoggerFactory.getLogger(PartitionExporter.class);

	private final S3Client s3;

	private final ArchiveSettings settings;

	/**
	 * Creates an exporter.
	 * @param s3 the client
	 * @param settings where and how to write
	 */
	public PartitionExporter(S3Client s3, ArchiveSettings settings) {
		this.s3 = s3;
		this.settings = settings;
	}

	/**
	 * Exports one month of a partitioned table, read from its partition (attached or
	 * not).
	 * @param connection a PostgreSQL connection
	 * @param table the table
	 * @param month the month
	 * @param jobExecutionId the job execution to record in the manifest, or null
	 * @return the manifest written
	 * @throws IllegalStateException when the partition has other columns than the archive
	 * writes, before anything is written
	 */
	public ArchiveManifest export(Connection connection, ArchiveTable table, YearMonth month, Long jobExecutionId)
			throws SQLException, IOException {
		return export(connection, table, month, table.partitionName(month), jobExecutionId);
	}

	/**
	 * Exports a whole table without partitions, such as the {@code app_user} snapshot.
	 * @param connection a PostgreSQL connection
	 * @param table the table
	 * @param jobExecutionId the job execution to record in the manifest, or null
	 * @return the manifest written
	 */
	public ArchiveManifest exportSnapshot(Connection connection, ArchiveTable table, Long jobExecutionId)
			throws SQLException, IOException {
		return export(connection, table, null, table.tableName(), jobExecutionId);
	}

	private ArchiveManifest export(Connection connection, ArchiveTable table, YearMonth month, String relation,
			Long jobExecutionId) throws SQLException, IOException {
		ChecksumSql.query(table, relation); // checks the name before it reaches SQL
		if (month != null) {
			// a snapshot leaves out the columns analysts do not need; a month must not
			SourceColumns.check(connection, table, relation);
		}
		long start = System.nanoTime();
		ArchiveLayout layout = this.settings.layout();
		S3Location folder = layout.folder(table, month);
		ArchiveObjects objects = new ArchiveObjects(this.s3);
		objects.abortUnfinishedUploads(folder);
		removeLeftoverSortFiles(jobExecutionId);
		List<ArchiveFile> files = writeFiles(connection, table, month, relation, jobExecutionId);
		objects.deleteOthers(folder, files.stream().map(ArchiveFile::key).collect(Collectors.toSet()));
		ArchiveManifest manifest = manifest(table, month, relation, jobExecutionId, folder, files);
		new ArchiveManifests(this.s3, layout).write(manifest, this.settings.encryption());
		long millis = Math.max(1, (System.nanoTime() - start) / 1_000_000);
		logger.info("Job execution {}: exported {} to {}: {} files, {} rows, {} MiB in {} ms, {} rows/s",
				jobExecutionId, relation, folder.uri(), files.size(), manifest.rows(),
				String.format(Locale.ROOT, "%.1f", manifest.bytes() / 1048576.0), millis,
				manifest.rows() * 1000 / millis);
		return manifest;
	}

	private List<ArchiveFile> writeFiles(Connection connection, ArchiveTable table, YearMonth month, String relation,
			Long jobExecutionId) throws SQLException, IOException {
		String sql = "COPY (SELECT " + table.columnList() + " FROM " + relation + " ORDER BY "
				+ table.leadingOrderColumn() + ") TO STDOUT (FORMAT binary)";
		Map<String, String> metadata = Map.of("healthscore.table", table.tableName(), "healthscore.source_partition",
				relation, "healthscore.job_execution_id", String.valueOf(jobExecutionId));
		String previous = setIndexScan(connection, "off");
		try {
			return copyToFiles(connection, table, month, sql, metadata);
		}
		finally {
			// the connection is free again: the COPY was read to its end or cancelled
			restoreIndexScan(connection, previous);
		}
	}

	private List<ArchiveFile> copyToFiles(Connection connection, ArchiveTable table, YearMonth month, String sql,
			Map<String, String> metadata) throws SQLException, IOException {
		long started = System.nanoTime();
		PGCopyInputStream copy = new PGCopyInputStream(connection.unwrap(PGConnection.class), sql);
		GroupSorter sorter = new GroupSorter(table, this.settings.sortBufferRows(), this.settings.sortDirectory());
		try (CopyRowReader rows = new CopyRowReader(copy, table, sorter);
				RollingArchiveWriter writer = new RollingArchiveWriter(this.s3, this.settings, table, month,
						metadata)) {
			// closed in reverse order: the writer (its upload aborted) before the reader,
			// which drains the COPY
			for (CopyRowReader.Batch batch = rows.next(); batch != null; batch = rows.next()) {
				for (int i = 0; i < batch.size(); i++) {
					writer.write(batch.row(i));
				}
			}
			List<ArchiveFile> files = writer.finish();
			// the JVM idles until then: PostgreSQL scans and sorts the whole partition
			// first
			logger.info("PostgreSQL sent the first row of {} sorted by {} after {} ms", table.tableName(),
					table.leadingOrderColumn(), (rows.firstRowNanos() - started) / 1_000_000);
			return files;
		}
		finally {
			copy.close();
		}
	}

	/**
	 * Removes the sort files that exports killed before they could delete them left in
	 * the sort directory: they hold health data, and nothing else would ever remove them.
	 * Those of exports still running, here or in another process, stay.
	 */
	private void removeLeftoverSortFiles(Long jobExecutionId) {
		Path directory = this.settings.sortDirectory();
		try {
			SortRunOwner.Leftovers removed = SortRunOwner.removeLeftovers(directory);
			if (removed.sorts() > 0) {
				logger.warn(
						"Job execution {}: removed {} temporary sort files ({} bytes) of {} earlier exports from {}: those"
								+ " exports died (killed, out of memory, a power cut) before they could delete them",
						jobExecutionId, removed.files(), removed.bytes(), removed.sorts(), directory);
			}
		}
		catch (IOException ex) {
			logger.warn("Job execution {}: could not look for temporary sort files that earlier exports left in {}: {}",
					jobExecutionId, directory, ex.toString());
		}
	}

	/**
	 * Tells the planner not to read the partition through an index. The primary key gives
	 * rows by user without a sort, but visits the heap in index order: one page fetch per
	 * row, slower than a sequential scan followed by a sort on the user id even when
	 * every page is cached (measured 9.9–12.2 s against 7.9–9.7 s for a month of 9.9
	 * million rows), and far slower on a month that has gone cold on disk. Inside a
	 * transaction block the setting is local to it; outside, it holds for the session
	 * until {@link #restoreIndexScan} puts the caller's back.
	 * @return the setting before this call
	 */
	private static String setIndexScan(Connection connection, String value) throws SQLException {
		boolean local = !connection.getAutoCommit(); // inside a transaction, for it only
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT current_setting('enable_indexscan'), set_config('enable_indexscan', ?, ?)")) {
			statement.setString(1, value);
			statement.setBoolean(2, local);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getString(1);
			}
		}
	}

	/**
	 * Puts back the caller's setting, so that neither the rest of its transaction nor a
	 * pooled connection keeps the planner off indexes. In a transaction that the COPY's
	 * failure aborted this fails, and the rollback restores it instead.
	 */
	private static void restoreIndexScan(Connection connection, String previous) {
		try {
			setIndexScan(connection, previous);
		}
		catch (SQLException ex) {
			logger.warn("Could not restore enable_indexscan = {} on the export connection: {}", previous,
					ex.getMessage());
		}
	}

	private ArchiveManifest manifest(ArchiveTable table, YearMonth month, String relation, Long jobExecutionId,
			S3Location folder, List<ArchiveFile> files) {
		long rows = 0;
		long bytes = 0;
		for (ArchiveFile file : files) {
			rows += file.rows();
			bytes += file.bytes();
		}
		return new ArchiveManifest(ArchiveManifest.FORMAT_VERSION, table.tableName(),
				(month != null) ? month.toString() : null, relation, jobExecutionId, Instant.now().toString(), null,
				folder.uri(), this.settings.compression().name(), ArchiveParquetSchema.of(table).toString(), rows, null,
				bytes, files);
	}

}
