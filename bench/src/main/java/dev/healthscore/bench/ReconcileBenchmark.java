package dev.healthscore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;

import dev.healthscore.jobs.HealthScoreApplication;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Generates about N readings, holds back a random 0.1% of them, times a full
 * {@code recompute}, lets the held-back readings arrive late, then times an incremental
 * {@code reconcile} and a {@code reconcile --full} of the same range, on the same
 * embedded PostgreSQL in the same run.
 */
public final class ReconcileBenchmark {

	/**
	 * Readings per user-day of the synthetic data, measured: 9,033,717 / (2,500 × 90).
	 */
	private static final double READINGS_PER_USER_DAY = 40.1;

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private ReconcileBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long target = option(args, "readings", 10_000_000);
		int days = (int) option(args, "days", 90);
		double latePercent = option(args, "late-per-mille", 1) / 10.0;
		int users = (int) Math.ceil(target / (days * READINGS_PER_USER_DAY));
		LocalDate last = LocalDate.parse("2025-06-30");
		LocalDate first = last.minusDays(days - 1L);
		Path reports = Files.createTempDirectory("reconcile-bench");
		try (BenchDatabase db = BenchDatabase.start()) {
			JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
			run(db, "generate", "--users=" + users, "--days=" + days, "--seed=1", "--end=" + last);
			long readings = jdbc.queryForObject("SELECT count(*) FROM health_reading", Long.class);
			holdBack(jdbc, latePercent);
			jdbc.execute("VACUUM ANALYZE");
			String range = "--to=" + last;
			run(db, "run", "recompute", "--from=" + first, range);
			double recompute = lastJobSeconds(jdbc);
			long scores = jdbc.queryForObject("SELECT count(*) FROM health_score", Long.class);
			long late = jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					SELECT user_id, metric, recorded_at, value, source FROM held_back""");
			String byMetric = jdbc.queryForObject(
					"SELECT string_agg(metric || ' ' || n, ', ' ORDER BY metric) FROM (SELECT metric, count(*) AS n FROM held_back GROUP BY metric) m",
					String.class);
			Path incrementalReport = reports.resolve("incremental.json");
			run(db, "run", "reconcile", "--from=" + first, range, "--report=" + incrementalReport);
			double incremental = lastJobSeconds(jdbc);
			Path fullReport = reports.resolve("full.json");
			run(db, "run", "reconcile", "--from=" + first, range, "--full", "--report=" + fullReport);
			double full = lastJobSeconds(jdbc);
			JsonNode inc = JSON.readTree(incrementalReport.toFile());
			JsonNode all = JSON.readTree(fullReport.toFile());
			System.out.printf("%nreconcile benchmark (%d cores, heap max %d MiB)%n",
					Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
			System.out.printf("data:             %,d users x %d days, %,d readings, %,d score rows%n", users, days,
					readings, scores);
			System.out.printf("late readings:    %,d (%.2f%%, a random sample: %s), ingested after recompute%n", late,
					100.0 * late / readings, byMetric);
			System.out.printf("recompute:        %.2f s (job)%n", recompute);
			System.out.printf(
					"reconcile:        %.2f s (job, incremental; detection %.2f s): %,d suspect rows %s,"
							+ " %,d corrected, %,d fingerprints refreshed%n",
					incremental, inc.get("detectSeconds").asDouble(), inc.get("suspects").asLong(),
					inc.get("suspectsByReason"), inc.get("corrected").asLong(), inc.get("refreshed").asLong());
			System.out.printf("ratio:            reconcile / recompute = %.1f%% (target <= 5%%)%n",
					100 * incremental / recompute);
			System.out.printf("reconcile --full: %.2f s (job; detection %.2f s, %s): %,d suspect rows, %,d corrected%n",
					full, all.get("detectSeconds").asDouble(), all.get("fullCheck"), all.get("suspects").asLong(),
					all.get("corrected").asLong());
			System.out.printf("                  --full / recompute = %.1f%%%n", 100 * full / recompute);
			System.out.printf("reports:          %s%n", reports);
		}
	}

	/** Moves a random sample of readings aside, as if they had not arrived yet. */
	private static void holdBack(JdbcTemplate jdbc, double percent) {
		jdbc.execute("CREATE TABLE held_back AS SELECT * FROM health_reading TABLESAMPLE BERNOULLI (%s) REPEATABLE (7)"
			.formatted(percent));
		jdbc.update("""
				DELETE FROM health_reading r USING held_back h
				WHERE r.user_id = h.user_id AND r.metric = h.metric AND r.recorded_at = h.recorded_at
				  AND r.source = h.source""");
		// they never arrived: not deletions for reconcile to find
		jdbc.execute("TRUNCATE score_input_change");
	}

	private static double lastJobSeconds(JdbcTemplate jdbc) {
		return jdbc.queryForObject("""
				SELECT extract(epoch FROM end_time - start_time) FROM batch_job_execution
				ORDER BY job_execution_id DESC LIMIT 1""", Double.class);
	}

	private static void run(BenchDatabase db, String... args) {
		String[] all = new String[args.length + 2];
		System.arraycopy(args, 0, all, 0, args.length);
		System.arraycopy(db.appArguments(), 0, all, args.length, 2);
		long started = System.nanoTime();
		int exit = HealthScoreApplication.run(all);
		if (exit != 0) {
			throw new IllegalStateException("'%s' exited with %d".formatted(String.join(" ", args), exit));
		}
		System.out.printf("%s took %s%n", String.join(" ", args).split(" --")[0],
				Duration.ofNanos(System.nanoTime() - started));
	}

	private static long option(String[] args, String name, long fallback) {
		for (String arg : args) {
			if (arg.startsWith("--" + name + "=")) {
				return Long.parseLong(arg.substring(name.length() + 3).replace("_", ""));
			}
		}
		return fallback;
	}

}
