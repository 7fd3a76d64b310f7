package dev.healthscore.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.sun.management.OperatingSystemMXBean;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.PartitionExporter;
import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.jobs.HealthScoreApplication;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.bench.BenchOptions.option;

/**
 * Generates a month of about N readings, then exports it again and again in one JVM,
 * alternating the export's plan: PostgreSQL sorting the month in parallel workers (what
 * {@link PartitionExporter} asks for) and the same query with
 * {@code max_parallel_workers_per_gather = 0} (one process sorts). The first round warms
 * the JVM up and is printed but not counted.
 */
final class ExportPlanBenchmark {

	private static final double READINGS_PER_USER_DAY = 40.1;

	private static final YearMonth MONTH = YearMonth.of(2025, 1);

	private ExportPlanBenchmark() {
	}

	static void main(String[] args) throws Exception {
		long target = option(args, "rows", 10_000_000, 1, 10_000_000_000L);
		int rounds = (int) option(args, "repeat", 3, 1, 100);
		int users = (int) Math.ceil(target / (MONTH.lengthOfMonth() * READINGS_PER_USER_DAY));
		Path work = Files.createTempDirectory("healthscore-export-plan-bench");
		try (BenchDatabase db = BenchDatabase.start();
				EmbeddedS3Server s3 = EmbeddedS3Server.onDisk(work.resolve("s3"));
				S3Client client = s3.newClient()) {
			s3.createBucket("bench");
			List<String> generate = new ArrayList<>(List.of("generate", "--users=" + users,
					"--days=" + MONTH.lengthOfMonth(), "--seed=1", "--end=" + MONTH.atEndOfMonth()));
			generate.addAll(List.of(db.appArguments()));
			if (HealthScoreApplication.run(Map.of(), generate.toArray(String[]::new)) != 0) {
				throw new IllegalStateException("generate failed");
			}
			new JdbcTemplate(db.dataSource()).execute("VACUUM ANALYZE");
			PartitionExporter exporter = new PartitionExporter(client, ArchiveSettings.builder("bench").build());
			List<Double> serial = new ArrayList<>();
			List<Double> parallel = new ArrayList<>();
			for (int round = 0; round <= rounds; round++) {
				for (boolean inParallel : new boolean[] { false, true }) {
					double seconds = export(db, exporter, inParallel, round);
					if (round > 0) {
						(inParallel ? parallel : serial).add(seconds);
					}
				}
			}
			System.out.printf(Locale.ROOT, "export, sorted in one process: median %.2f s of %s%n",
					ReconcileBenchmark.median(serial), serial);
			System.out.printf(Locale.ROOT,
					"export, sorted by parallel workers (the exporter's plan): median %.2f s of %s%n",
					ReconcileBenchmark.median(parallel), parallel);
		}
		finally {
			ArchiveBenchmark.delete(work);
		}
	}

	private static double export(BenchDatabase db, PartitionExporter exporter, boolean inParallel, int round)
			throws Exception {
		OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
		try (Connection connection = db.dataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("RESET ALL");
			if (!inParallel) {
				statement.execute("SET max_parallel_workers_per_gather = 0");
			}
			long cpu = os.getProcessCpuTime();
			long started = System.nanoTime();
			ArchiveManifest manifest = exporter.export(connection, ArchiveTable.HEALTH_READING, MONTH, null);
			double seconds = (System.nanoTime() - started) / 1e9;
			System.out.printf(Locale.ROOT,
					"round %d%s, sorted %s: %,d rows exported in %.2f s, %.2f s CPU of this JVM%n", round,
					(round == 0) ? " (warm-up, not counted)" : "",
					inParallel ? "by parallel workers" : "in one process", manifest.rows(), seconds,
					(os.getProcessCpuTime() - cpu) / 1e9);
			return Math.round(seconds * 100) / 100.0;
		}
	}

}
