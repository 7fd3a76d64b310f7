package dev.healthscore.jobs.reconcile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;

import javax.sql.DataSource;

import dev.healthscore.io.score.CorrectionTally;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Ends a reconcile run: records its checkpoint (unless dry), drops its suspects, prunes
 * the change log past its retention and (unless dry) the suspects of earlier runs that no
 * run resumes ({@link LeftoverSuspects}), and reports, to the log and to the JSON file of
 * {@code --report}.
 * <p>
 * What the earlier steps found and counted is read from the job's execution context, or,
 * when it is not there, from the context of the step that wrote it: Spring Batch records
 * a step COMPLETED before it saves the job's context, so a run that died (or lost the
 * database) between the two is restarted without running that step again, and only the
 * step's own context, saved with its last commit, still holds it.
 */
class FinishTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(FinishTasklet.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final JdbcTemplate jdbc;

	private final ReconcileProperties properties;

	private final JobRepository jobRepository;

	private final LeftoverSuspects leftovers;

	FinishTasklet(DataSource dataSource, ReconcileProperties properties, JobRepository jobRepository) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.properties = properties;
		this.jobRepository = jobRepository;
		this.leftovers = new LeftoverSuspects(dataSource, properties.suspectRetention());
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext context) {
		ReconcileParameters run = ReconcileParameters.of(context.getStepContext().getJobParameters());
		JobExecution job = context.getStepContext().getStepExecution().getJobExecution();
		DetectionSummary detection = DetectionSummary.fromJson(
				context(job, DetectionSummary.KEY, DetectTasklet.STEP_NAME).getString(DetectionSummary.KEY, null));
		CorrectionTally tally = CorrectionTally
			.decode(context(job, ReconcileJobConfiguration.TALLY_KEY, ReconcileJobConfiguration.SCORES_STEP_NAME)
				.getString(ReconcileJobConfiguration.TALLY_KEY, null));
		if (!run.dryRun()) {
			this.jdbc.update("""
					INSERT INTO reconcile_checkpoint (job_execution_id, first_day, last_day, changes_as_of, full_check)
					VALUES (?, ?, ?, ?, ?)""", job.getId(), run.from(), run.to(),
					Timestamp.from(Instant.parse(detection.asOf())), run.full());
			int pruned = this.jdbc.update("DELETE FROM score_input_change WHERE changed_at < ?",
					Timestamp.from(Instant.parse(detection.asOf()).minus(this.properties.changeLogRetention())));
			logger.debug("{} pruned {} logged changes older than {}", job.getId(), pruned,
					this.properties.changeLogRetention());
			this.leftovers.drop(job.getId(), job.getJobInstanceId(), LocalDateTime.now());
		}
		this.jdbc.update("DELETE FROM reconcile_suspect WHERE job_instance_id = ?", job.getJobInstanceId());
		double seconds = Duration.between(job.getStartTime(), LocalDateTime.now()).toNanos() / 1e9;
		ReconcileReport report = ReconcileReport.of(job.getId(), run, detection, tally,
				context(job, ReconcileJobConfiguration.BLOCKS_KEY, ReconcileJobConfiguration.SCORES_STEP_NAME)
					.getInt(ReconcileJobConfiguration.BLOCKS_KEY, 0),
				context(job, ReconcileJobConfiguration.BLOCKS_FROM_PRIMARY_KEY,
						ReconcileJobConfiguration.SCORES_STEP_NAME)
					.getInt(ReconcileJobConfiguration.BLOCKS_FROM_PRIMARY_KEY, 0),
				seconds);
		report.lines().forEach(logger::info);
		if (run.report() != null) {
			write(report, Path.of(run.report()));
		}
		return RepeatStatus.FINISHED;
	}

	/**
	 * Returns the job's execution context when it holds a key, otherwise the context of
	 * the last execution of the step that wrote the key in this job instance, when that
	 * one holds it.
	 */
	private ExecutionContext context(JobExecution job, String key, String stepName) {
		if (job.getExecutionContext().containsKey(key)) {
			return job.getExecutionContext();
		}
		StepExecution step = this.jobRepository.getLastStepExecution(job.getJobInstance(), stepName);
		if (step != null && step.getExecutionContext().containsKey(key)) {
			logger.warn("{}: {} is missing from the job's execution context; taken from step {} (execution {})",
					job.getId(), key, stepName, step.getId());
			return step.getExecutionContext();
		}
		return job.getExecutionContext();
	}

	private static void write(ReconcileReport report, Path file) {
		try {
			Path parent = file.toAbsolutePath().getParent();
			if (parent != null) {
				Files.createDirectories(parent);
			}
			JSON.writerWithDefaultPrettyPrinter().writeValue(file, report);
			logger.info("Report written to {}", file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot write the reconcile report to " + file, ex);
		}
	}

}
