package dev.healthscore.jobs.ops;

import java.sql.Connection;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.InProcessJobLauncher;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.JobRunner;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.jobs.recompute.RecomputeJobConfiguration;
import dev.healthscore.scoring.ScoringAlgorithm;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.stereotype.Component;

/**
 * {@code reprocess}: a backfill on demand. Recomputes a range (all users or the listed
 * ones) with the {@code recompute} job and prints what changed against the rows stored
 * before; with {@code --dry-run}, scores the range without writing and prints what would
 * change.
 */
@Component
public class ReprocessCommand {

	/** The command's name, as its executions' {@link JobRunner#COMMAND} parameter. */
	public static final String COMMAND = "reprocess";

	private static final String SNAPSHOT_SQL = """
			CREATE TEMP TABLE reprocess_before ON COMMIT PRESERVE ROWS AS
			SELECT user_id, score_date, score, activity_score, sleep_score, heart_score, completeness
			FROM health_score WHERE score_date BETWEEN ? AND ? AND (? OR user_id = ANY(?::bigint[]))""";

	private static final String DIFF_SQL = """
			SELECT b.score AS before, a.score AS after, b.user_id IS NOT NULL AS existed, a.user_id IS NOT NULL AS exists,
			       row(b.activity_score, b.sleep_score, b.heart_score, b.completeness)
			         IS NOT DISTINCT FROM row(a.activity_score, a.sleep_score, a.heart_score, a.completeness) AS same
			FROM reprocess_before b
			FULL JOIN (SELECT * FROM health_score WHERE score_date BETWEEN ? AND ?
			           AND (? OR user_id = ANY(?::bigint[]))) a
			  ON a.user_id = b.user_id AND a.score_date = b.score_date""";

	private final DataSource dataSource;

	private final JobRunner jobRunner;

	private final InProcessJobLauncher launcher;

	private final ScoringAlgorithm algorithm;

	public ReprocessCommand(DataSource dataSource, JobRunner jobRunner, InProcessJobLauncher launcher,
			ScoringAlgorithm algorithm) {
		this.dataSource = dataSource;
		this.jobRunner = jobRunner;
		this.launcher = launcher;
		this.algorithm = algorithm;
	}

	/** Runs the reprocess the invocation describes. */
	public ExitCode run(Invocation invocation) throws Exception {
		int version = invocation.positiveInt("algorithm-version", this.algorithm.version());
		if (version != this.algorithm.version()) {
			throw new UsageException(
					String.format(Locale.ROOT, "Unknown --algorithm-version=%d: this build computes version %d",
							version, this.algorithm.version()));
		}
		Map<String, String> parameters = invocation.parameters();
		LocalDate from = LocalDate.parse(parameters.get("from"));
		LocalDate to = LocalDate.parse(parameters.get("to"));
		long[] users = invocation.userIds("users");
		if (invocation.flag("dry-run")) {
			// what the run would refuse (a range reading an archived month), the preview
			// refuses too: it would show the days scored without their readings
			this.jobRunner.check(RecomputeJobConfiguration.JOB_NAME, parameters);
			ScoreDiff diff = new DryRunScoring(this.dataSource, this.algorithm).diff(from, to, users);
			System.out.print(
					diff.format("reprocess --dry-run %s..%s: nothing was written; it would have".formatted(from, to)));
			return ExitCode.COMPLETED;
		}
		try (Connection connection = this.dataSource.getConnection()) {
			JdbcTemplate snapshot = new JdbcTemplate(new SingleConnectionDataSource(connection, true));
			Object[] range = { from, to, users.length == 0, users };
			snapshot.update(SNAPSHOT_SQL, range);
			// marked as this command's, which status shows: a nightly recompute and a
			// reprocess run the same job
			Map<String, String> marked = new LinkedHashMap<>(parameters);
			marked.put(JobRunner.COMMAND, COMMAND);
			JobRunner.Outcome outcome = this.jobRunner.run(this.launcher.job(RecomputeJobConfiguration.JOB_NAME),
					marked);
			if (outcome.execution() == null) {
				// refused (another run holds the guard: logged why): a comparison would
				// show a run that did not happen
				snapshot.execute("DROP TABLE reprocess_before");
				System.out.printf(Locale.ROOT, "reprocess %s..%s: not run (exit code %d), nothing was changed%n", from,
						to, outcome.exitCode().code());
				return outcome.exitCode();
			}
			ScoreDiff diff = new ScoreDiff();
			snapshot.query(DIFF_SQL, (rs) -> {
				diff.compare((Integer) rs.getObject("before"), (Integer) rs.getObject("after"),
						rs.getBoolean("existed"), rs.getBoolean("exists"), rs.getBoolean("same"));
			}, range);
			snapshot.execute("DROP TABLE reprocess_before");
			System.out.print(diff.format("reprocess %s..%s (%s):".formatted(from, to, outcome.exitCode())));
			return outcome.exitCode();
		}
	}

}
