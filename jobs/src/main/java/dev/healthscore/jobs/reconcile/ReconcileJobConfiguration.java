package dev.healthscore.jobs.reconcile;

import java.time.LocalDate;

import javax.sql.DataSource;

import dev.healthscore.io.jdbc.MonthlyPartitions;
import dev.healthscore.io.reconcile.SuspectReadingsItemReader;
import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.io.score.ReconciledUser;
import dev.healthscore.io.score.ScoreCorrectionWriter;
import dev.healthscore.scoring.ScoringAlgorithm;

import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.DefaultJobParametersValidator;
import org.springframework.batch.core.listener.ExecutionContextPromotionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code reconcile} job: finds the suspect (user, day) rows of a range of local days
 * (what changed since the last reconcile, or with {@code --full} every row whose inputs
 * or values no longer match its fingerprint and seal), scores them again through the same
 * algorithm as {@code recompute}, writes only the rows that differ, audits each
 * correction, and reports.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ReconcileProperties.class)
public class ReconcileJobConfiguration {

	/** The job's name, as given to {@code run}. */
	public static final String JOB_NAME = "reconcile";

	static final String SCORES_STEP_NAME = "reconcileScores";

	static final String WRITER_NAME = "reconcileWriter";

	/** Where the writer's tally is promoted to in the job's execution context. */
	static final String TALLY_KEY = WRITER_NAME + ".tally";

	static final String READER_NAME = "reconcileReader";

	/** How many blocks of suspects were read, in the job's execution context. */
	static final String BLOCKS_KEY = READER_NAME + "." + SuspectReadingsItemReader.BLOCKS;

	/** How many of them were read from the primary, in the job's execution context. */
	static final String BLOCKS_FROM_PRIMARY_KEY = READER_NAME + "." + SuspectReadingsItemReader.BLOCKS_FROM_PRIMARY;

	@Bean
	Job reconcileJob(JobRepository jobRepository, Step reconcilePartitions, Step reconcileDetect, Step reconcileScores,
			Step reconcileFinish) {
		return new JobBuilder(JOB_NAME, jobRepository)
			.validator(new DefaultJobParametersValidator(new String[] { "from", "to" },
					new String[] { ReconcileParameters.FULL, ReconcileParameters.DRY_RUN,
							ReconcileParameters.UPGRADE_VERSION, ReconcileParameters.REPORT, "run.id" }))
			.start(reconcilePartitions)
			.next(reconcileDetect)
			.next(reconcileScores)
			.next(reconcileFinish)
			.build();
	}

	@Bean
	Step reconcilePartitions(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			DataSource dataSource) {
		MonthlyPartitions partitions = new MonthlyPartitions(dataSource);
		return new StepBuilder("reconcilePartitions", jobRepository).tasklet((contribution, context) -> {
			ReconcileParameters run = ReconcileParameters.of(context.getStepContext().getJobParameters());
			if (!run.dryRun()) {
				partitions.ensure("health_score", run.from(), run.to());
			}
			return RepeatStatus.FINISHED;
		}, transactionManager).build();
	}

	@Bean
	Step reconcileDetect(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			DataSource dataSource, ReplicaGate replicaGate, ScoringAlgorithm algorithm,
			ReconcileProperties properties) {
		return new StepBuilder(DetectTasklet.STEP_NAME, jobRepository)
			.tasklet(new DetectTasklet(dataSource, replicaGate, algorithm, properties), transactionManager)
			.build();
	}

	@Bean
	Step reconcileScores(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			SuspectReadingsItemReader<ReconciledUser> reconcileReader, ScoreCorrectionWriter reconcileWriter,
			ReconcileProperties properties) {
		ExecutionContextPromotionListener promotion = new ExecutionContextPromotionListener();
		promotion.setKeys(new String[] { TALLY_KEY, BLOCKS_KEY, BLOCKS_FROM_PRIMARY_KEY });
		return new StepBuilder(SCORES_STEP_NAME, jobRepository)
			.<ReconciledUser, ReconciledUser>chunk(properties.chunkSize())
			.transactionManager(transactionManager)
			.reader(reconcileReader)
			.writer(reconcileWriter)
			.listener(promotion)
			.build();
	}

	@Bean
	Step reconcileFinish(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			DataSource dataSource, ReconcileProperties properties) {
		return new StepBuilder("reconcileFinish", jobRepository)
			.tasklet(new FinishTasklet(dataSource, properties, jobRepository), transactionManager)
			.build();
	}

	@Bean
	@StepScope
	SuspectReadingsItemReader<ReconciledUser> reconcileReader(DataSource dataSource, ReplicaGate replicaGate,
			ScoringAlgorithm algorithm, ReconcileProperties properties,
			@Value("#{stepExecution.jobExecution.jobInstanceId}") Long instance) {
		// blocks of half a chunk: the first chunk waits for less, the threads share more;
		// users are scored on the read threads, so the chunk's thread only writes
		return new SuspectReadingsItemReader<>(READER_NAME, dataSource, replicaGate, instance, algorithm,
				Math.max(1, properties.chunkSize() / 2), properties.readThreads(),
				new ReconcileProcessor(algorithm)::process);
	}

	@Bean
	@StepScope
	ScoreCorrectionWriter reconcileWriter(DataSource dataSource, @Value("#{jobParameters['from']}") String from,
			@Value("#{jobParameters['to']}") String to, @Value("#{jobParameters['dry-run']}") String dryRun,
			@Value("#{stepExecution.jobExecutionId}") Long jobExecutionId) {
		ScoreCorrectionWriter.Mode mode = "true".equals(dryRun) ? ScoreCorrectionWriter.Mode.DRY_RUN
				: ScoreCorrectionWriter.Mode.APPLY;
		return new ScoreCorrectionWriter(WRITER_NAME, dataSource, LocalDate.parse(from), LocalDate.parse(to),
				jobExecutionId, mode);
	}

}
