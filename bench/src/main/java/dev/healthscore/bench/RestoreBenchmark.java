package dev.healthscore.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.YearMonth;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import dev.healthscore.io.archive.ArchiveLayout;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchiveReadTiming;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.jobs.archive.ArchiveStepListener;
import dev.healthscore.jobs.archive.RestorePhase;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.bench.BenchOptions.option;

/**
 * Generates a month of about N readings, archives it with a grace period of 0 (so the run
 * drops the partition), then times the {@code restore} job bringing it back from S3,
 * phase by phase, next to, in the same run, a plain binary {@code COPY ... FROM} of the
 * same rows (the partition's binary {@code COPY} out, taken before the archive, written
 * to a file) into a fresh table without indexes: the floor a restore cannot go below.
 * Then archives the month again, keeping it detached, and times the restore of a detached
 * month (check and re-attach). S3 is the in-process server keeping objects on local disk.
 */
public final class RestoreBenchmark {

	private static final YearMonth MONTH = YearMonth.of(2025, 1);

	private static final ArchiveTable TABLE = ArchiveTable.HEALTH_READING;

	private static final String PARTITION = TABLE.partitionName(MONTH);

	private static final String BUCKET = "bench";

	private static final double READINGS_PER_USER_DAY = 40.1;

	private static final double MIB = 1024 * 1024;

	private RestoreBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long target = option(args, "rows", 10_000_000, 1, 10_000_000_000L);
		int users = (int) Math.ceil(target / (MONTH.lengthOfMonth() * READINGS_PER_USER_DAY));
		Path work = Files.createTempDirectory("healthscore-restore-bench");
		try (BenchDatabase db = BenchDatabase.start();
				EmbeddedS3Server s3 = EmbeddedS3Server.onDisk(work.resolve("s3"));
				S3Client client = s3.newClient()) {
			s3.createBucket(BUCKET);
			// the SDK's default credentials chain reads these (a task role in production)
			System.setProperty("aws.accessKeyId", s3.accessKey());
			System.setProperty("aws.secretAccessKey", s3.secretKey());
			double load = ArchiveBenchmark.loadAverage();
			ArchiveBenchmark.run(db, false, s3, Map.of(), "generate", "--users=" + users,
					"--days=" + MONTH.lengthOfMonth(), "--seed=1", "--end=" + MONTH.atEndOfMonth());
			JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
			db.settle();
			long rows = jdbc.queryForObject("SELECT count(*) FROM " + PARTITION, Long.class);
			Path copyFile = work.resolve("partition.pgcopy");
			copyOut(db, copyFile);
			String before = "--before=" + MONTH.plusMonths(1);
			ArchiveBenchmark.run(db, false, s3, Map.of(), "run", "archive", before,
					"--healthscore.archive.grace-period=0s");
			ArchiveManifest manifest = new ArchiveManifests(client, new ArchiveLayout(BUCKET, "")).read(TABLE, MONTH);
			double readAlone = Math.min(ArchiveReadTiming.time(client, manifest),
					ArchiveReadTiming.time(client, manifest));
			double decodeAlone = Math.min(ArchiveReadTiming.time(client, manifest, false, false),
					ArchiveReadTiming.time(client, manifest, false, false));
			double encoded = Math.min(ArchiveReadTiming.time(client, manifest, true, false),
					ArchiveReadTiming.time(client, manifest, true, false));
			PhaseTimes dropped = new PhaseTimes();
			double droppedJob = ArchiveBenchmark.run(db, false, s3, Map.of("archiveStepListener", dropped), "run",
					"restore", "--table=" + TABLE.tableName(), "--month=" + MONTH);
			Restored restored = restored(jdbc, rows);
			Floor floor = floor(db, copyFile);
			ArchiveBenchmark.run(db, false, s3, Map.of(), "run", "archive", before, "--rearchive=" + MONTH);
			PhaseTimes detached = new PhaseTimes();
			double detachedJob = ArchiveBenchmark.run(db, false, s3, Map.of("archiveStepListener", detached), "run",
					"restore", "--table=" + TABLE.tableName(), "--month=" + MONTH);
			print(users, rows, load, manifest, new double[] { decodeAlone, encoded, readAlone }, dropped, droppedJob,
					restored, floor, detached, detachedJob);
		}
		finally {
			ArchiveBenchmark.delete(work);
		}
	}

	/** Writes the partition's binary COPY to a file. */
	private static void copyOut(BenchDatabase db, Path file) throws Exception {
		try (Connection connection = db.dataSource().getConnection(); OutputStream out = Files.newOutputStream(file)) {
			connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyOut("COPY (SELECT " + TABLE.columnList() + " FROM " + PARTITION + ") TO STDOUT (FORMAT binary)",
						out);
		}
	}

	/**
	 * Checks the restored partition (its rows, whether it holds statistics) and times the
	 * first {@code VACUUM} after the restore: the work a restore leaves to autovacuum.
	 */
	private static Restored restored(JdbcTemplate jdbc, long rows) {
		boolean analyzed = jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM pg_stats WHERE tablename = ?)",
				Boolean.class, PARTITION);
		long started = System.nanoTime();
		jdbc.execute("VACUUM " + PARTITION);
		double vacuumSeconds = (System.nanoTime() - started) / 1e9;
		long count = jdbc.queryForObject(
				"SELECT count(*) FROM " + TABLE.tableName() + " WHERE recorded_at >= '" + MONTH.atDay(1)
						+ " 00:00:00+00' AND recorded_at < '" + MONTH.plusMonths(1).atDay(1) + " 00:00:00+00'",
				Long.class);
		if (count != rows) {
			throw new IllegalStateException(
					String.format(Locale.ROOT, "The restored month holds %d rows, %d were archived", count, rows));
		}
		return new Restored(analyzed, vacuumSeconds);
	}

	/**
	 * Times a binary {@code COPY ... FROM STDIN} of the partition's rows from the file
	 * into a new table without indexes, then building the partition's primary key and
	 * index on it, then an {@code ATTACH} to a parent without indexes (the bound check's
	 * scan alone), and drops the tables.
	 */
	private static Floor floor(BenchDatabase db, Path file) throws Exception {
		try (Connection connection = db.dataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE restore_floor (LIKE " + TABLE.tableName() + ")");
			CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
			long started = System.nanoTime();
			long rows;
			try (InputStream in = Files.newInputStream(file)) {
				rows = copy.copyIn("COPY restore_floor (" + TABLE.columnList() + ") FROM STDIN (FORMAT binary)", in);
			}
			double copySeconds = (System.nanoTime() - started) / 1e9;
			started = System.nanoTime();
			statement.execute("ALTER TABLE restore_floor ADD PRIMARY KEY (user_id, metric, recorded_at, source)");
			statement.execute("CREATE INDEX ON restore_floor (ingested_at)");
			double indexSeconds = (System.nanoTime() - started) / 1e9;
			// a parent without indexes: its ATTACH only reads the rows to check the
			// bounds
			statement.execute("CREATE TABLE restore_floor_parent (LIKE " + TABLE.tableName()
					+ ") PARTITION BY RANGE (recorded_at)");
			started = System.nanoTime();
			statement.execute("ALTER TABLE restore_floor_parent ATTACH PARTITION restore_floor FOR VALUES FROM ('"
					+ MONTH.atDay(1) + " 00:00:00+00') TO ('" + MONTH.plusMonths(1).atDay(1) + " 00:00:00+00')");
			double boundCheckSeconds = (System.nanoTime() - started) / 1e9;
			statement.execute("DROP TABLE restore_floor_parent");
			return new Floor(rows, Files.size(file), copySeconds, indexSeconds, boundCheckSeconds);
		}
	}

	private static void print(int users, long rows, double load, ArchiveManifest manifest, double[] readAlone,
			PhaseTimes dropped, double droppedJob, Restored restored, Floor floor, PhaseTimes detached,
			double detachedJob) {
		double total = dropped.total();
		double loadPhase = dropped.seconds(RestorePhase.LOAD);
		System.out.printf(Locale.ROOT, "%nrestore benchmark (%d cores, %s, load average %.1f at start)%n",
				Runtime.getRuntime().availableProcessors(), Benchmarks.heap(), load);
		System.out.printf(Locale.ROOT,
				"data:              %,d users x 31 days; %s holds %,d rows, %.1f MiB of Parquet in %d files%n", users,
				PARTITION, rows, manifest.bytes() / MIB, manifest.files().size());
		System.out
			.printf(Locale.ROOT,
					"restore (dropped): %.2f s in its transaction (job %.1f s with application start), %,.0f rows/s,"
							+ " %.1f MiB/s of Parquet%n",
					total, droppedJob, rows / total, manifest.bytes() / MIB / total);
		System.out.printf(Locale.ROOT, "  phases:          %s%n", dropped);
		System.out.printf(Locale.ROOT,
				"  load:            %,.0f rows/s, %.1f MiB/s of Parquet (S3 read, decode, COPY)%n", rows / loadPhase,
				manifest.bytes() / MIB / loadPhase);
		System.out.printf(Locale.ROOT,
				"  load without PostgreSQL: %.2f s best of 2, %,.0f rows/s (S3 read, decode, checksum, COPY encoding"
						+ " to nowhere); S3 read and decode alone %.2f s, with the COPY encoding %.2f s%n",
				readAlone[2], rows / readAlone[2], readAlone[0], readAlone[1]);
		System.out.printf(Locale.ROOT, "  afterwards:      statistics %s; the first VACUUM took %.2f s%n",
				restored.analyzed() ? "present (analyzed)" : "missing (not analyzed)", restored.vacuumSeconds());
		System.out.printf(Locale.ROOT,
				"COPY binary in:    %.2f s, %,.0f rows/s, %.1f MiB of COPY data at %.1f MiB/s, into a new table"
						+ " without indexes (the floor); then its primary key and index: %.2f s%n",
				floor.copySeconds(), floor.rows() / floor.copySeconds(), floor.bytes() / MIB,
				floor.bytes() / MIB / floor.copySeconds(), floor.indexSeconds());
		System.out.printf(Locale.ROOT,
				"  ATTACH's bound check of those rows alone (a parent without indexes): %.2f s%n",
				floor.boundCheckSeconds());
		System.out.printf(Locale.ROOT, "restore/floor:     %.2f x the COPY, %.2f x the COPY and index build%n",
				total / floor.copySeconds(), total / (floor.copySeconds() + floor.indexSeconds()));
		System.out.printf(Locale.ROOT, "restore (detached): %.2f s in its transaction (job %.1f s), %,.0f rows/s; %s%n",
				detached.total(), detachedJob, rows / detached.total(), detached);
	}

	/**
	 * What the restored partition looked like.
	 *
	 * @param analyzed whether it had statistics right after the restore
	 * @param vacuumSeconds the first {@code VACUUM} of it
	 */
	record Restored(boolean analyzed, double vacuumSeconds) {

	}

	/**
	 * The plain binary COPY in.
	 *
	 * @param rows the rows copied
	 * @param bytes the COPY data's size
	 * @param copySeconds the COPY
	 * @param indexSeconds building the partition's primary key and index afterwards
	 * @param boundCheckSeconds attaching the table to a parent without indexes: the scan
	 * checking its rows against the partition bounds
	 */
	record Floor(long rows, long bytes, double copySeconds, double indexSeconds, double boundCheckSeconds) {

	}

	/** How long each phase of a restore took. */
	static final class PhaseTimes implements ArchiveStepListener {

		private final Map<RestorePhase, Long> nanos = new EnumMap<>(RestorePhase.class);

		@Override
		public void reached(ArchiveTable table, YearMonth month, ArchiveState state) {
		}

		@Override
		public void restored(ArchiveTable table, YearMonth month, RestorePhase phase, long nanos) {
			if (table == TABLE && month.equals(MONTH)) {
				this.nanos.merge(phase, nanos, Long::sum);
			}
		}

		double seconds(RestorePhase phase) {
			return this.nanos.getOrDefault(phase, 0L) / 1e9;
		}

		double total() {
			return this.nanos.values().stream().mapToLong(Long::longValue).sum() / 1e9;
		}

		@Override
		public String toString() {
			return this.nanos.entrySet()
				.stream()
				.map((entry) -> String.format(Locale.ROOT, "%s %.2f s", entry.getKey().name().toLowerCase(Locale.ROOT),
						entry.getValue() / 1e9))
				.collect(Collectors.joining(", "));
		}

	}

}
