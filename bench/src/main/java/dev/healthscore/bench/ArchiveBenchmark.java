package dev.healthscore.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.healthscore.io.archive.ArchiveLayout;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.ArchiveWriterTiming;
import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.archive.ArchiveStepListener;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.bench.BenchOptions.choice;
import static dev.healthscore.bench.BenchOptions.option;

/**
 * Generates a month of about N readings, then times the {@code archive} job over it
 * (export to Parquet in S3, read-back verification, detach) next to, in the same run, a
 * binary {@code COPY} of the same partition out of PostgreSQL and DuckDB writing the same
 * rows to Parquet. S3 is the in-process server keeping objects on local disk. With
 * {@code --source=replica} the job is given the streaming replica and exports and
 * checksums the month there (the COPY it is compared with still runs on the primary, on
 * the same machine). With {@code --heavy-user-rows=N} the month also holds one user with
 * N {@code heart_rate} readings a second apart (2,678,400 is a watch sending every second
 * all month), whose rows the export cannot sort in memory at once beyond
 * {@code --sort-buffer-rows} (the job's {@code healthscore.archive.sort-buffer-rows},
 * passed on when given). With {@code --layout=arrival} the readings are stored again in
 * the order they arrived ({@code ingested_at}), as an app's table holds them, before
 * anything is timed: the generator writes them user by user, already almost in the
 * archive's order, which flatters every sort by user.
 */
public final class ArchiveBenchmark {

	/** Readings per user-day of the synthetic data (see RecomputeBenchmark). */
	private static final double READINGS_PER_USER_DAY = 40.1;

	private static final YearMonth MONTH = YearMonth.of(2025, 1);

	private static final String PARTITION = ArchiveTable.HEALTH_READING.partitionName(MONTH);

	private static final String BUCKET = "bench";

	/** A reading a second, all month. */
	private static final long SECONDS_IN_MONTH = MONTH.lengthOfMonth() * 86_400L;

	private ArchiveBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long target = option(args, "rows", 10_000_000, 1, 10_000_000_000L);
		String source = choice(args, "source", "primary", "replica");
		boolean fromReplica = source.equals("replica");
		long heavyUserRows = option(args, "heavy-user-rows", 0, 0, SECONDS_IN_MONTH);
		// 0: the job's default
		long sortBufferRows = option(args, "sort-buffer-rows", 0, 0, Integer.MAX_VALUE);
		boolean arrival = choice(args, "layout", "generated", "arrival").equals("arrival");
		int users = (int) Math.ceil(target / (MONTH.lengthOfMonth() * READINGS_PER_USER_DAY));
		Path work = Files.createTempDirectory("healthscore-archive-bench");
		try (BenchDatabase db = BenchDatabase.start();
				EmbeddedS3Server s3 = EmbeddedS3Server.onDisk(work.resolve("s3"));
				S3Client client = s3.newClient()) {
			s3.createBucket(BUCKET);
			// the SDK's default credentials chain reads these (a task role in production)
			System.setProperty("aws.accessKeyId", s3.accessKey());
			System.setProperty("aws.secretAccessKey", s3.secretKey());
			double load = loadAverage();
			run(db, fromReplica, s3, Map.of(), "generate", "--users=" + users, "--days=" + MONTH.lengthOfMonth(),
					"--seed=1", "--end=" + MONTH.atEndOfMonth());
			JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
			if (heavyUserRows > 0) {
				addHeavyUser(jdbc, heavyUserRows);
			}
			if (arrival) {
				ArrivalOrder.rewrite(jdbc);
			}
			db.settle();
			long rows = jdbc.queryForObject("SELECT count(*) FROM " + PARTITION, Long.class);
			BenchDatabase.CopyResult copy = best(db.copyOutBinary("SELECT * FROM " + PARTITION),
					db.copyOutBinary("SELECT * FROM " + PARTITION));
			// the export's own query: PostgreSQL sorts by user, the exporter each
			// user's rows
			BenchDatabase.CopyResult sorted = db.copyOutBinary("SELECT " + ArchiveTable.HEALTH_READING.columnList()
					+ " FROM " + PARTITION + " ORDER BY " + ArchiveTable.HEALTH_READING.leadingOrderColumn(),
					"SET enable_indexscan = off");
			StepTimes steps = new StepTimes(ArchiveTable.HEALTH_READING, MONTH);
			HeapSampler heap = HeapSampler.start();
			List<String> archive = new ArrayList<>(List.of("run", "archive", "--before=" + MONTH.plusMonths(1)));
			if (sortBufferRows > 0) {
				archive.add("--healthscore.archive.sort-buffer-rows=" + sortBufferRows);
			}
			double jobSeconds = run(db, fromReplica, s3, Map.of("archiveStepListener", steps),
					archive.toArray(String[]::new));
			HeapSampler.Peak peak = heap.stop();
			System.out.printf("the archive job read the month from the %s%n", source);
			ArchiveManifest manifest = new ArchiveManifests(client, new ArchiveLayout(BUCKET, ""))
				.read(ArchiveTable.HEALTH_READING, MONTH);
			Path folder = work.resolve("local");
			List<Path> files = download(client, manifest, folder);
			DuckDbWrite duck = duckDbWrite(folder);
			DuckDbExport duckExport = duckDbExport(db, folder);
			ArchiveWriterTiming.Result writer = writerAlone(files, folder.resolve("writer-alone.parquet"));
			new ArchiveReport(users, rows, arrival, load, copy, sorted, jobSeconds, steps, peak, manifest, duck,
					duckExport, writer)
				.print();
		}
		finally {
			delete(work);
		}
	}

	/**
	 * Adds one user after the generated ones with {@code rows} heart rate readings, one a
	 * second from the month's start, as a watch sending every second makes them.
	 */
	private static void addHeavyUser(JdbcTemplate jdbc, long rows) {
		long started = System.nanoTime();
		// the generator also writes readings of a few users it has no app_user row for
		long userId = jdbc.queryForObject("SELECT coalesce(max(user_id), 0) + 1 FROM (SELECT user_id FROM app_user"
				+ " UNION ALL SELECT user_id FROM health_reading) ids", Long.class);
		jdbc.update("INSERT INTO app_user (user_id, time_zone, daily_step_goal) VALUES (?, 'UTC', 8000)", userId);
		jdbc.update("INSERT INTO health_reading (user_id, metric, recorded_at, value, source, ingested_at)"
				+ " SELECT ?, 'heart_rate', ?::timestamptz + i * interval '1 second', 55 + (i * 7919) % 60, 'watch',"
				+ " ?::timestamptz + (i / 3600 + 1) * interval '1 hour' FROM generate_series(0, ? - 1) i", userId,
				MONTH.atDay(1) + "T00:00:00Z", MONTH.atDay(1) + "T00:00:00Z", rows);
		System.out.printf(Locale.ROOT, "added user %d with %,d heart_rate readings a second apart in %.1f s%n", userId,
				rows, (System.nanoTime() - started) / 1e9);
	}

	/**
	 * Times our writer alone, or returns null when the heap is too small for it: reading
	 * a row group back while the writer buffers one takes two of them at once, more than
	 * a run with {@code -Xmx256m} (which shows the archive job's memory is flat) has
	 * beside DuckDB.
	 */
	private static ArchiveWriterTiming.Result writerAlone(List<Path> files, Path out) throws Exception {
		try {
			return ArchiveWriterTiming.time(ArchiveTable.HEALTH_READING, files, out);
		}
		catch (OutOfMemoryError ex) {
			System.out.println("our writer alone: not measured, the heap is too small for it: " + ex.getMessage());
			return null;
		}
	}

	/** Copies the month's archived files from S3 to a local folder. */
	private static List<Path> download(S3Client s3, ArchiveManifest manifest, Path folder) throws Exception {
		Files.createDirectories(folder);
		List<Path> files = new ArrayList<>();
		for (ArchiveFile file : manifest.files()) {
			Path target = folder.resolve(file.key().substring(file.key().lastIndexOf('/') + 1));
			s3.getObject((request) -> request.bucket(BUCKET).key(file.key()), target);
			files.add(target);
		}
		return files;
	}

	/**
	 * Loads the archived rows into DuckDB (untimed apart), then times DuckDB's own
	 * Parquet writer on them: same rows, same eight columns, zstd; then again with DuckDB
	 * sorting them first, in the archive's order (what it would do after reading them
	 * from PostgreSQL in the order they are stored).
	 */
	private static DuckDbWrite duckDbWrite(Path folder) throws Exception {
		Path out = folder.resolve("duckdb.parquet");
		try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
				Statement statement = connection.createStatement()) {
			long started = System.nanoTime();
			statement.execute("CREATE TABLE r AS SELECT * FROM read_parquet('" + folder + "/part-*.parquet')");
			double loadSeconds = (System.nanoTime() - started) / 1e9;
			long rows;
			try (ResultSet result = statement.executeQuery("SELECT count(*) FROM r")) {
				result.next();
				rows = result.getLong(1);
			}
			started = System.nanoTime();
			statement.execute("COPY r TO '" + out + "' (FORMAT parquet, COMPRESSION zstd)");
			double writeSeconds = (System.nanoTime() - started) / 1e9;
			long bytes = Files.size(out);
			started = System.nanoTime();
			statement.execute("COPY (SELECT * FROM r ORDER BY " + ArchiveTable.HEALTH_READING.orderBy() + ") TO '" + out
					+ "' (FORMAT parquet, COMPRESSION zstd)");
			double sortSeconds = (System.nanoTime() - started) / 1e9;
			return new DuckDbWrite(rows, loadSeconds, writeSeconds, bytes, sortSeconds);
		}
	}

	/**
	 * Times DuckDB doing the export's whole job, as one would use it for that: the
	 * partition's rows come out of PostgreSQL as stored, as CSV through a named pipe
	 * (DuckDB's own PostgreSQL reader is an extension it downloads at run time, which
	 * this benchmark does not depend on), and DuckDB sorts them in the archive's order
	 * and writes Parquet with zstd. Runs after the archive job, on the partition it
	 * detached (kept for the grace period). Returns null, said so, where {@code mkfifo}
	 * is missing.
	 */
	private static DuckDbExport duckDbExport(BenchDatabase db, Path folder) throws Exception {
		Path pipe = folder.resolve("rows.csv");
		if (!makePipe(pipe)) {
			System.out.println("DuckDB export: not measured, mkfifo is not available to make its pipe");
			return null;
		}
		Path out = folder.resolve("duckdb-export.parquet");
		String rowsOut = "COPY (SELECT user_id, metric, recorded_at, value, source, ingested_at FROM " + PARTITION
				+ ") TO STDOUT (FORMAT csv)";
		String export = """
				COPY (SELECT * FROM read_csv('%s', header = false, auto_detect = false, delim = ',', quote = '"',
				                            escape = '"', columns = {'user_id': 'BIGINT', 'metric': 'VARCHAR',
				                            'recorded_at': 'TIMESTAMPTZ', 'value': 'DOUBLE', 'source': 'VARCHAR',
				                            'ingested_at': 'TIMESTAMPTZ'})
				      ORDER BY %s)
				TO '%s' (FORMAT parquet, COMPRESSION zstd)""".formatted(pipe, ArchiveTable.HEALTH_READING.orderBy(),
				out);
		try (Connection postgres = db.dataSource().getConnection();
				Connection duck = DriverManager.getConnection("jdbc:duckdb:");
				Statement statement = duck.createStatement()) {
			try (Statement set = postgres.createStatement()) {
				set.execute("SET TimeZone = 'UTC'");
			}
			statement.execute("SET TimeZone = 'UTC'");
			CopyManager copy = postgres.unwrap(PGConnection.class).getCopyAPI();
			long started = System.nanoTime();
			copy.copyOut(rowsOut, OutputStream.nullOutputStream());
			double csvSeconds = (System.nanoTime() - started) / 1e9;
			started = System.nanoTime();
			// opening the pipe waits for DuckDB to open its end
			CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
				try (OutputStream to = Files.newOutputStream(pipe)) {
					return copy.copyOut(rowsOut, to);
				}
				catch (Exception ex) {
					throw new IllegalStateException("COPY to DuckDB's pipe failed", ex);
				}
			});
			statement.execute(export);
			long rows = sent.get(1, TimeUnit.MINUTES);
			double seconds = (System.nanoTime() - started) / 1e9;
			try (ResultSet result = statement.executeQuery("SELECT count(*) FROM read_parquet('" + out + "')")) {
				result.next();
				if (result.getLong(1) != rows) {
					throw new IllegalStateException(
							String.format(Locale.ROOT, "DuckDB wrote %d rows of the %d sent", result.getLong(1), rows));
				}
			}
			return new DuckDbExport(rows, seconds, Files.size(out), csvSeconds);
		}
		finally {
			Files.deleteIfExists(pipe);
		}
	}

	private static boolean makePipe(Path pipe) {
		try {
			return new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start().waitFor() == 0;
		}
		catch (Exception ex) {
			return false;
		}
	}

	static double run(BenchDatabase db, boolean fromReplica, EmbeddedS3Server s3, Map<String, Object> beans,
			String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.addAll(List.of(fromReplica ? db.appArgumentsWithReplica() : db.appArguments()));
		all.add("--healthscore.archive.endpoint=" + s3.endpoint());
		all.add("--healthscore.archive.region=" + s3.region().id());
		all.add("--healthscore.archive.bucket=" + BUCKET);
		long started = System.nanoTime();
		int exit = HealthScoreApplication.run(beans, all.toArray(String[]::new));
		if (exit != 0) {
			throw new IllegalStateException(
					String.format(Locale.ROOT, "'%s' exited with %d", String.join(" ", args), exit));
		}
		double seconds = (System.nanoTime() - started) / 1e9;
		System.out.printf(Locale.ROOT, "%s took %.1f s%n", args[0].equals("run") ? args[1] : args[0], seconds);
		return seconds;
	}

	private static BenchDatabase.CopyResult best(BenchDatabase.CopyResult first, BenchDatabase.CopyResult second) {
		return (first.seconds() <= second.seconds()) ? first : second;
	}

	static double loadAverage() {
		try {
			return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
		}
		catch (Exception ex) {
			return Double.NaN;
		}
	}

	static void delete(Path folder) throws Exception {
		try (Stream<Path> paths = Files.walk(folder)) {
			for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(path);
			}
		}
	}

	/**
	 * What DuckDB's Parquet writer did with the same rows.
	 *
	 * @param rows the rows written
	 * @param loadSeconds loading them into DuckDB first, untimed in {@code writeSeconds}
	 * @param writeSeconds writing them
	 * @param bytes the file's size
	 * @param sortAndWriteSeconds sorting them in the archive's order and writing them
	 */
	record DuckDbWrite(long rows, double loadSeconds, double writeSeconds, long bytes, double sortAndWriteSeconds) {

	}

	/**
	 * What DuckDB did doing the export's job.
	 *
	 * @param rows the rows PostgreSQL sent and DuckDB wrote
	 * @param seconds from the start of PostgreSQL's COPY to DuckDB's file written
	 * @param bytes the file's size
	 * @param csvSeconds PostgreSQL's CSV COPY of the rows alone, to nowhere
	 */
	record DuckDbExport(long rows, double seconds, long bytes, double csvSeconds) {

	}

	/** When the benchmarked month reached each ledger state. */
	static final class StepTimes implements ArchiveStepListener {

		private final ArchiveTable table;

		private final YearMonth month;

		private final Map<ArchiveState, Long> nanos = new EnumMap<>(ArchiveState.class);

		private final Map<ArchiveState, Long> cpuNanos = new EnumMap<>(ArchiveState.class);

		private final Map<ArchiveState, Long> s3ServerCpuNanos = new EnumMap<>(ArchiveState.class);

		private final Map<ArchiveState, Double> postgresCpuSeconds = new EnumMap<>(ArchiveState.class);

		private final Map<ArchiveState, Double> compilerCpuSeconds = new EnumMap<>(ArchiveState.class);

		StepTimes(ArchiveTable table, YearMonth month) {
			this.table = table;
			this.month = month;
		}

		@Override
		public void reached(ArchiveTable table, YearMonth month, ArchiveState state) {
			if (table == this.table && month.equals(this.month)) {
				this.nanos.put(state, System.nanoTime());
				this.cpuNanos.put(state, processCpuNanos());
				this.s3ServerCpuNanos.put(state, s3ServerCpuNanos());
				this.postgresCpuSeconds.put(state, PostgresCpu.seconds());
				this.compilerCpuSeconds.put(state, CpuUse.compilerSeconds());
			}
		}

		double seconds(ArchiveState from, ArchiveState to) {
			return (this.nanos.get(to) - this.nanos.get(from)) / 1e9;
		}

		/** CPU time of this JVM, all threads, between two states. */
		double cpuSeconds(ArchiveState from, ArchiveState to) {
			return (this.cpuNanos.get(to) - this.cpuNanos.get(from)) / 1e9;
		}

		/**
		 * CPU time of the in-process S3 server's threads between two states: work that S3
		 * itself does in production, outside this process.
		 */
		double s3ServerCpuSeconds(ArchiveState from, ArchiveState to) {
			return (this.s3ServerCpuNanos.get(to) - this.s3ServerCpuNanos.get(from)) / 1e9;
		}

		/**
		 * CPU time of this JVM's JIT compiler threads between two states (NaN where
		 * unknown).
		 */
		double compilerCpuSeconds(ArchiveState from, ArchiveState to) {
			return this.compilerCpuSeconds.get(to) - this.compilerCpuSeconds.get(from);
		}

		/**
		 * CPU time of the PostgreSQL processes between two states (NaN where unknown).
		 */
		double postgresCpuSeconds(ArchiveState from, ArchiveState to) {
			return this.postgresCpuSeconds.get(to) - this.postgresCpuSeconds.get(from);
		}

		/** The CPU time of the S3 server's live threads (S3Proxy's Jetty pool). */
		private static long s3ServerCpuNanos() {
			ThreadMXBean threads = ManagementFactory.getThreadMXBean();
			long nanos = 0;
			for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
				if (thread != null && thread.getThreadName().startsWith("S3Proxy")) {
					nanos += Math.max(0, threads.getThreadCpuTime(thread.getThreadId()));
				}
			}
			return nanos;
		}

		private static long processCpuNanos() {
			return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
				.getProcessCpuTime();
		}

	}

}
