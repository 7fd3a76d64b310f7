package dev.healthscore.bench;

import java.time.LocalDate;
import java.util.Locale;

import dev.healthscore.io.replica.ReplicaLagProbe;

import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.bench.BenchOptions.option;

/**
 * Generates about N readings, then times {@code recompute} over all of them next to a
 * binary {@code COPY} out of the same input rows, on the same embedded PostgreSQL in the
 * same run.
 */
public final class RecomputeBenchmark {

	/**
	 * Readings per user-day of the synthetic data, measured: 9,033,717 / (2,500 × 90).
	 */
	private static final double READINGS_PER_USER_DAY = 40.1;

	private RecomputeBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long target = option(args, "readings", 10_000_000, 1, 10_000_000_000L);
		int days = (int) option(args, "days", 90, 1, 3_650);
		int users = (int) Math.ceil(target / (days * READINGS_PER_USER_DAY));
		LocalDate last = LocalDate.parse("2025-06-30");
		LocalDate first = last.minusDays(days - 1L);
		try (BenchDatabase db = BenchDatabase.start()) {
			JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
			BenchJobs.inThisJvm(db.appArguments())
				.run("generate", "--users=" + users, "--days=" + days, "--seed=1", "--end=" + last);
			long readings = jdbc.queryForObject("SELECT count(*) FROM health_reading", Long.class);
			db.settle();
			String inputs = """
					SELECT user_id, metric, recorded_at, value, source, ingested_at FROM health_reading
					WHERE metric IN ('steps', 'active_minutes', 'sleep_minutes', 'resting_heart_rate')
					  AND recorded_at >= '%s'::timestamptz AND recorded_at < '%s'::timestamptz"""
				.formatted(first.minusDays(29) + "T00:00:00Z", last.plusDays(2) + "T00:00:00Z");
			BenchDatabase.CopyResult copy = db.copyOutBinary(inputs);
			BenchDatabase.CopyResult copyAgain = db.copyOutBinary(inputs);
			double copySeconds = Math.min(copy.seconds(), copyAgain.seconds());
			System.out.printf(Locale.ROOT, "%nrecompute benchmark (%d cores, %s)%n",
					Runtime.getRuntime().availableProcessors(), Benchmarks.heap());
			System.out.printf(Locale.ROOT, "data:            %,d users x %d days, %,d readings in health_reading%n",
					users, days, readings);
			System.out.printf(Locale.ROOT, "input rows:      %,d (scored metrics, range plus 28-day lookback)%n",
					copy.rows());
			System.out.printf(Locale.ROOT, "COPY binary out: %.2f s and %.2f s (%,.0f rows/s best, %.1f MiB)%n",
					copy.seconds(), copyAgain.seconds(), copy.rows() / copySeconds, copy.bytes() / 1048576.0);
			for (String threads : option(args, "threads", "1,2,4").split(",")) {
				recompute(db, jdbc, "replica", threads.trim(), first, last, copy.rows(), copySeconds);
			}
			recompute(db, jdbc, "primary", "2", first, last, copy.rows(), copySeconds);
		}
	}

	private static void recompute(BenchDatabase db, JdbcTemplate jdbc, String source, String threads, LocalDate first,
			LocalDate last, long inputRows, double copySeconds) {
		jdbc.execute("TRUNCATE health_score, quarantined_reading");
		String[] database = source.equals("replica") ? db.appArgumentsWithReplica() : db.appArguments();
		try (LagSampler lag = new LagSampler(new ReplicaLagProbe(db.dataSource(), db.replicaDataSource()))) {
			BenchJobs.inThisJvm(database)
				.run("run", "recompute", "--from=" + first, "--to=" + last,
						"--healthscore.recompute.threads=" + threads);
			double jobSeconds = jdbc.queryForObject("""
					SELECT extract(epoch FROM end_time - start_time) FROM batch_job_execution
					ORDER BY job_execution_id DESC LIMIT 1""", Double.class);
			long userDays = jdbc.queryForObject("SELECT count(*) FROM health_score", Long.class);
			System.out.printf(Locale.ROOT,
					"recompute from the %s, %s thread(s): %.2f s; %,d user-days, %,.0f user-days/s, %,.0f readings/s; job / COPY = %.2f (target <= 3); replica lag during the run: %s%n",
					source, threads, jobSeconds, userDays, userDays / jobSeconds, inputRows / jobSeconds,
					jobSeconds / copySeconds, lag.summary());
		}
	}

}
