package dev.healthscore.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.bench.BenchOptions.choice;
import static dev.healthscore.bench.BenchOptions.option;

/**
 * Generates about N readings and holds back two sets of 0.1% of them: a random sample of
 * readings, and a random sample of device-days (every reading of one metric from one
 * source on one UTC day, as when a device syncs a day late). Times a full
 * {@code recompute}, then lets each set arrive and times an incremental {@code reconcile}
 * after each, then one after nothing arrived (the cost of any run), then a
 * {@code reconcile --full}, on the same embedded PostgreSQL in the same run; each
 * incremental run's steps are timed too. The ingest margin is 0 s: every insert has
 * committed before the next run starts, and the second run must not look again at the
 * first set. With {@code --source=replica} the jobs are given the streaming replica:
 * reconcile then reads the suspects' readings and the full check's checksums there, once
 * the replica has replayed the detection (the wait is part of the time). With
 * {@code --repeat=N} it holds back N disjoint sets of each kind and lets them arrive in
 * turn (random, device-days, random, ...), and prints each kind's median ratio too: one
 * run of a fraction of a second varies by a tenth from one run to the next. With
 * {@code --jvm} it runs the jobs as the Quartz scheduler does ({@code scheduler}, the
 * default: recompute and every reconcile in one application context), as one-shot tasks
 * do ({@code fresh}: a JVM each), or each in a fresh application context in this JVM
 * ({@code cli}).
 */
public final class ReconcileBenchmark {

	/**
	 * Readings per user-day of the synthetic data, measured: 9,033,717 / (2,500 × 90).
	 */
	private static final double READINGS_PER_USER_DAY = 40.1;

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** The kinds of late data, each held back in sets of 0.1% of the readings. */
	private static final List<String> KINDS = List.of("readings", "device_days");

	/** Every command gets it: the reconcile job reads it, the others ignore it. */
	private static final String NO_MARGIN = "--healthscore.reconcile.ingest-margin=0s";

	private ReconcileBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long target = option(args, "readings", 10_000_000, 1, 10_000_000_000L);
		int days = (int) option(args, "days", 90, 1, 3_650);
		int users = (int) Math.ceil(target / (days * READINGS_PER_USER_DAY));
		LocalDate last = LocalDate.parse("2025-06-30");
		String from = "--from=" + last.minusDays(days - 1L);
		String to = "--to=" + last;
		String source = choice(args, "source", "primary", "replica");
		String layout = choice(args, "layout", "generated", "arrival");
		int repeat = (int) option(args, "repeat", 1, 1, 100);
		BenchJobs.Mode mode = BenchJobs.Mode.of(choice(args, "jvm", BenchJobs.Mode.options()));
		Path reports = Files.createTempDirectory("reconcile-bench");
		try (BenchDatabase db = BenchDatabase.start()) {
			// what every job is run with: the primary, and maybe the replica
			List<String> application = new ArrayList<>(
					List.of(source.equals("replica") ? db.appArgumentsWithReplica() : db.appArguments()));
			application.add(NO_MARGIN);
			try (BenchJobs jobs = BenchJobs.of(mode, application.toArray(String[]::new), reports.resolve("jobs.log"))) {
				JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
				jobs.run("generate", "--users=" + users, "--days=" + days, "--seed=1", "--end=" + last);
				long readings = jdbc.queryForObject("SELECT count(*) FROM health_reading", Long.class);
				holdBack(jdbc, repeat);
				if (layout.equals("arrival")) {
					ArrivalOrder.rewrite(jdbc);
				}
				db.settle();
				boolean jobsHere = mode != BenchJobs.Mode.TASK;
				CpuUse beforeRecompute = CpuUse.now();
				jobs.run("run", "recompute", from, to);
				CpuUse recomputeCpu = CpuUse.now().since(beforeRecompute);
				double recompute = lastJobSeconds(jdbc);
				long scores = jdbc.queryForObject("SELECT count(*) FROM health_score", Long.class);
				System.out.printf(Locale.ROOT,
						"%nreconcile benchmark (%d cores, %s), jobs reading from the %s, readings stored in %s"
								+ " order, %s%n",
						Runtime.getRuntime().availableProcessors(), Benchmarks.heap(), source,
						layout.equals("arrival") ? "arrival (ingested_at)" : "generated (user by user)",
						mode.description());
				System.out.printf(Locale.ROOT, "data:             %,d users x %d days, %,d readings, %,d score rows%n",
						users, days, readings, scores);
				System.out.printf(Locale.ROOT, "recompute:        %.2f s (job); CPU: %s%n", recompute,
						recomputeCpu.describe(jobsHere));
				Map<String, List<Double>> ratios = new TreeMap<>();
				for (int i = 1; i <= repeat; i++) {
					for (String kind : KINDS) {
						double ratio = reconcileAfterArrival(jdbc, jobs, kind, set(kind, i), new String[] { from, to },
								reports, recompute, jobsHere);
						ratios.computeIfAbsent(kind, (k) -> new ArrayList<>()).add(ratio);
					}
				}
				if (repeat > 1) {
					ratios.forEach((kind, values) -> System.out.printf(Locale.ROOT,
							"late %s, %d runs: reconcile / recompute = %s; median %.1f%% (target <= 5%%)%n",
							kind.replace('_', '-'), values.size(),
							values.stream()
								.map((v) -> String.format(Locale.ROOT, "%.1f%%", v))
								.collect(Collectors.joining(", ")),
							median(values)));
				}
				jobs.run("run", "reconcile", from, to);
				System.out.printf(Locale.ROOT, "nothing arrived:  reconcile %.2f s (job: what any run costs)%n",
						lastJobSeconds(jdbc));
				System.out.printf("  steps:          %s%n", lastJobSteps(jdbc));
				Path fullReport = reports.resolve("full.json");
				jobs.run("run", "reconcile", from, to, "--full", "--report=" + fullReport);
				double full = lastJobSeconds(jdbc);
				JsonNode json = JSON.readTree(fullReport.toFile());
				System.out.printf(Locale.ROOT,
						"reconcile --full: %.2f s (job; detection %.2f s, checksums on the %s, %s): %,d suspect rows,"
								+ " %,d corrected; --full / recompute = %.1f%%%n",
						full, json.get("detectSeconds").asDouble(), json.get("fullCheckReadFrom").asString(),
						json.get("fullCheck"), json.get("suspects").asLong(), json.get("corrected").asLong(),
						100 * full / recompute);
				System.out.printf("reports:          %s%n", reports);
			}
		}
	}

	/**
	 * Lets a held-back set arrive, then times an incremental reconcile.
	 * @return the reconcile's time as a percentage of the recompute's
	 */
	private static double reconcileAfterArrival(JdbcTemplate jdbc, BenchJobs jobs, String kind, String set,
			String[] range, Path reports, double recompute, boolean jobsHere) {
		String arrived = arrive(jdbc, set);
		Path report = reports.resolve(set + ".json");
		CpuUse before = CpuUse.now();
		jobs.run("run", "reconcile", range[0], range[1], "--report=" + report);
		CpuUse used = CpuUse.now().since(before);
		double seconds = lastJobSeconds(jdbc);
		JsonNode json = JSON.readTree(report.toFile());
		System.out.printf("late %s (%s): %s%n", kind.replace('_', '-'), set, arrived);
		System.out.printf(Locale.ROOT,
				"  reconcile:      %.2f s (job; detection %.2f s): %,d suspect rows %s, %,d corrected,"
						+ " %,d fingerprints refreshed; %d of %d blocks of readings read from the primary%n",
				seconds, json.get("detectSeconds").asDouble(), json.get("suspects").asLong(),
				json.get("suspectsByReason"), json.get("corrected").asLong(), json.get("refreshed").asLong(),
				json.get("blocksReadFromPrimary").asLong(), json.get("blocksRead").asLong());
		System.out.printf("  steps:          %s%n", lastJobSteps(jdbc));
		System.out.printf("  CPU:            %s%n", used.describe(jobsHere));
		double percent = 100 * seconds / recompute;
		System.out.printf(Locale.ROOT, "  ratio:          reconcile / recompute = %.1f%% (target <= 5%%)%n", percent);
		return percent;
	}

	private static String set(String kind, int index) {
		return "held_back_" + kind + "_" + index;
	}

	private static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		int middle = sorted.size() / 2;
		return (sorted.size() % 2 == 1) ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
	}

	/** The last job's steps with their times, and the job's time outside them. */
	private static String lastJobSteps(JdbcTemplate jdbc) {
		return jdbc.queryForObject(
				"""
						SELECT string_agg(s.step_name || ' ' || to_char(extract(epoch FROM s.end_time - s.start_time), 'FM0.000')
						                  || ' s', ', ' ORDER BY s.step_execution_id)
						       || ', outside steps ' || to_char(extract(epoch FROM (max(j.end_time) - min(j.start_time))
						          - sum(s.end_time - s.start_time)), 'FM0.000') || ' s'
						FROM batch_step_execution s JOIN batch_job_execution j USING (job_execution_id)
						WHERE s.job_execution_id = (SELECT max(job_execution_id) FROM batch_job_execution)""",
				String.class);
	}

	/**
	 * Moves {@code repeat} samples of each kind aside, as if they had not arrived yet,
	 * each taken from what is left: disjoint.
	 */
	private static void holdBack(JdbcTemplate jdbc, int repeat) {
		for (int i = 1; i <= repeat; i++) {
			String readings = set(KINDS.get(0), i);
			jdbc.execute(String.format(Locale.ROOT, """
					CREATE TABLE %s AS
					SELECT * FROM health_reading TABLESAMPLE BERNOULLI (0.1) REPEATABLE (%d)""", readings, 6 + i));
			remove(jdbc, readings);
			// device-days: every reading of a (user, metric, source, UTC day) whose hash
			// falls in the set's thousandth
			String deviceDays = set(KINDS.get(1), i);
			jdbc.execute(String.format(Locale.ROOT, """
					CREATE TABLE %s AS
					SELECT r.* FROM health_reading r
					WHERE abs(hashtextextended(r.user_id || '/' || r.metric || '/' || r.source || '/'
					                           || (r.recorded_at AT TIME ZONE 'UTC')::date, 7)) %% 1000 = %d""",
					deviceDays, i - 1));
			remove(jdbc, deviceDays);
		}
		// they never arrived: not deletions for reconcile to find
		jdbc.execute("TRUNCATE score_input_change");
	}

	private static void remove(JdbcTemplate jdbc, String set) {
		jdbc.update("""
				DELETE FROM health_reading r USING %s h
				WHERE r.user_id = h.user_id AND r.metric = h.metric AND r.recorded_at = h.recorded_at
				  AND r.source = h.source""".formatted(set));
	}

	/** Inserts a held-back set, ingested now; returns what arrived. */
	private static String arrive(JdbcTemplate jdbc, String set) {
		long rows = jdbc.update("""
				INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
				SELECT user_id, metric, recorded_at, value, source FROM %s""".formatted(set));
		return String.format(Locale.ROOT, "%,d readings (%s), %,d user-days", rows, jdbc.queryForObject("""
				SELECT string_agg(metric || ' ' || n, ', ' ORDER BY metric)
				FROM (SELECT metric, count(*) AS n FROM %s GROUP BY metric) m""".formatted(set), String.class),
				jdbc.queryForObject(
						"SELECT count(DISTINCT (user_id, (recorded_at AT TIME ZONE 'UTC')::date)) FROM " + set,
						Long.class));
	}

	private static double lastJobSeconds(JdbcTemplate jdbc) {
		return jdbc.queryForObject("""
				SELECT extract(epoch FROM end_time - start_time) FROM batch_job_execution
				ORDER BY job_execution_id DESC LIMIT 1""", Double.class);
	}

}
