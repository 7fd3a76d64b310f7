package dev.healthscore.jobs.reconcile;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import dev.healthscore.io.reconcile.ChangeWindow;
import dev.healthscore.io.reconcile.ChangedInputs;
import dev.healthscore.io.reconcile.FullCheck;
import dev.healthscore.io.replica.ReadSource;
import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.io.replica.ReplicaLagProbe;
import dev.healthscore.io.replica.ReplicaReads;
import dev.healthscore.io.replica.WalPosition;
import dev.healthscore.scoring.ScoringAlgorithm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;

/**
 * Finds the suspect (user, day) rows of a reconcile run and records them in
 * {@code reconcile_suspect}: what changed since the last reconcile of the range, and with
 * {@code --full} every row whose fingerprint or seal differs, and with
 * {@code --upgrade-version} every row of an older algorithm version. Runs in one
 * transaction, so that a failure leaves no half set of suspects.
 * <p>
 * What changed is found on the primary: a few index ranges of the change log and of the
 * readings' ingest times. The full check's checksums read every reading of the range, so
 * they are computed on the replica, once it has replayed the primary's WAL up to where it
 * was when the detection started (so it sees every change the checkpoint will say was
 * looked at), or where the lag policy says.
 */
class DetectTasklet implements Tasklet {

	/** The step's name. */
	static final String STEP_NAME = "reconcileDetect";

	private static final Logger logger = LoggerFactory.getLogger(DetectTasklet.class);

	private final JdbcTemplate jdbc;

	private final ChangedInputs changedInputs;

	private final FullCheck fullCheck;

	private final ReconcileProperties properties;

	private final ReplicaGate readSources;

	private final DataSource dataSource;

	DetectTasklet(DataSource dataSource, ReplicaGate readSources, ScoringAlgorithm algorithm,
			ReconcileProperties properties) {
		this.dataSource = dataSource;
		this.jdbc = new JdbcTemplate(dataSource);
		this.changedInputs = new ChangedInputs(dataSource, algorithm, properties.ingestMargin());
		this.fullCheck = new FullCheck(dataSource, algorithm, properties.segmentUsers(), properties.leafWidth());
		this.properties = properties;
		this.readSources = readSources;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext context) {
		long started = System.nanoTime();
		ReconcileParameters run = ReconcileParameters.of(context.getStepContext().getJobParameters());
		JobExecution job = context.getStepContext().getStepExecution().getJobExecution();
		long instance = job.getJobInstanceId();
		// the clock and the full check use connections of their own: the step's
		// transaction begins with its first statement, after the full check, so it
		// is not held open on the primary while the replica is waited for and
		// computes. Changes stamped before asOf are looked at: by the full check,
		// which reads a replica that replayed the WAL written after it, and by the
		// detection's statements, which start later
		Instant asOf = ReplicaLagProbe.now(this.dataSource);
		ReadSource fullCheckSource = null;
		FullCheck.Differences differences = null;
		if (run.full()) {
			// what committed before asOf is in the WAL before this position
			WalPosition position = this.readSources.primaryPosition();
			fullCheckSource = this.readSources.readSource(position);
			try {
				differences = findDifferences(job.getId(), run, fullCheckSource);
			}
			catch (DataAccessException ex) {
				if (fullCheckSource.fromPrimary() || !ReplicaReads.isConnectionFailure(ex)) {
					throw ex;
				}
				// it wrote nothing: the lag policy decides again (wait, fail or primary)
				logger.warn("reconcile {} {}..{}: lost the replica during the full check ({}); asking the lag policy "
						+ "again", job.getId(), run.from(), run.to(), ex.getMessage());
				fullCheckSource = this.readSources.readSource(position);
				differences = findDifferences(job.getId(), run, fullCheckSource);
			}
		}
		this.jdbc.update("DELETE FROM reconcile_suspect WHERE job_instance_id = ?", instance);
		ChangeWindow window = this.changedInputs.window(run.from(), run.to());
		logger.info("reconcile {} {}..{} ({}{}): {}", job.getId(), run.from(), run.to(), run.mode(),
				run.dryRun() ? ", dry run" : "", ReconcileReport.changes(window.changesAfter(), window.basis()));
		warnWhenChangesMayBePruned(window, asOf);
		this.changedInputs.findSuspects(instance, run.from(), run.to(), window);
		FullCheck.Result full = (differences != null) ? this.fullCheck.record(instance, differences) : null;
		if (run.upgradeVersion()) {
			this.changedInputs.findOldVersions(instance, run.from(), run.to());
		}
		Map<String, Long> byReason = new TreeMap<>();
		this.jdbc.query("""
				SELECT r, count(*) FROM reconcile_suspect, unnest(reasons) AS r
				WHERE job_instance_id = ? GROUP BY r""",
				(RowCallbackHandler) (rs) -> byReason.put(rs.getString(1), rs.getLong(2)), instance);
		long suspects = this.jdbc.queryForObject("SELECT count(*) FROM reconcile_suspect WHERE job_instance_id = ?",
				Long.class, instance);
		double seconds = (System.nanoTime() - started) / 1e9;
		DetectionSummary summary = new DetectionSummary(asOf.toString(),
				(window.changesAfter() != null) ? window.changesAfter().toString() : null, window.basis(), suspects,
				byReason, full, (fullCheckSource != null) ? readFrom(fullCheckSource) : null, seconds);
		job.getExecutionContext().putString(DetectionSummary.KEY, summary.toJson());
		// saved with this step's commit, before the step is recorded COMPLETED; the job's
		// context is saved only after that
		context.getStepContext()
			.getStepExecution()
			.getExecutionContext()
			.putString(DetectionSummary.KEY, summary.toJson());
		logger.info("reconcile {} {}..{}: {} suspect rows {} in {} ms", job.getId(), run.from(), run.to(), suspects,
				byReason, Math.round(seconds * 1000));
		return RepeatStatus.FINISHED;
	}

	private FullCheck.Differences findDifferences(long jobExecutionId, ReconcileParameters run, ReadSource source) {
		logger.info("reconcile {} {}..{}: full check computes its checksums on the {}", jobExecutionId, run.from(),
				run.to(), readFrom(source));
		return this.fullCheck.find(run.from(), run.to(), source.dataSource());
	}

	static String readFrom(ReadSource source) {
		return source.fromPrimary() ? "primary" : "replica";
	}

	private void warnWhenChangesMayBePruned(ChangeWindow window, Instant asOf) {
		Instant kept = asOf.minus(this.properties.changeLogRetention());
		if (window.changesAfter() != null && window.changesAfter().isBefore(kept)) {
			logger.warn(
					"Deleted or changed readings, changed users and deleted score rows before {} may be missed:"
							+ " score_input_change keeps {} of changes and this range needs them since {}; run"
							+ " reconcile --full for it",
					kept, this.properties.changeLogRetention(), window.changesAfter());
		}
	}

}
