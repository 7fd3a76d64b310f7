package dev.healthscore.jobs.recompute;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;

import javax.sql.DataSource;

import dev.healthscore.io.LogContext;
import dev.healthscore.io.jdbc.MonthlyPartitions;
import dev.healthscore.io.reading.ScoringWork;
import dev.healthscore.io.reading.UserShards;
import dev.healthscore.io.reading.UserReadingsItemReader;
import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.io.score.HealthScoreItemWriter;
import dev.healthscore.io.score.QuarantineItemWriter;
import dev.healthscore.io.score.ScoredUser;
import dev.healthscore.jobs.HealthScoreProperties;
import dev.healthscore.jobs.cli.JobRunner;
import dev.healthscore.scoring.ScoringAlgorithm;

import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.DefaultJobParametersValidator;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.support.CompositeItemWriter;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code recompute} job: creates the score partitions the range needs, then scores
 * every user (or the listed ones, or one shard of them) over a range of local days: the
 * users are split into user-id ranges scored in parallel, each a chunk of users at a time
 * and restartable on its own. A run that scored every user records a checkpoint for
 * incremental reconcile ({@link CheckpointTasklet}).
 */
@Configuration(proxyBeanMethods = false)
public class RecomputeJobConfiguration {

	/** The job's name, as given to {@code run}. */
	public static final String JOB_NAME = "recompute";

	@Bean
	Job recomputeJob(JobRepository jobRepository, Step recomputePartitions, Step recomputeScores,
			Step recomputeCheckpoint, ProgressListener recomputeProgress) {
		return new JobBuilder(JOB_NAME, jobRepository)
			.validator(new DefaultJobParametersValidator(new String[] { "from", "to" },
					new String[] { "users", "run.id", "shard", RecomputeOptions.AS_OF, JobRunner.COMMAND }))
			// the worker steps track their job's progress; the job's end forgets it
			.listener(recomputeProgress)
			.start(recomputePartitions)
			.next(recomputeScores)
			.next(recomputeCheckpoint)
			.build();
	}

	@Bean
	Step recomputeCheckpoint(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			DataSource dataSource) {
		return new StepBuilder("recomputeCheckpoint", jobRepository)
			.tasklet(new CheckpointTasklet(dataSource), transactionManager)
			.build();
	}

	@Bean
	Step recomputePartitions(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			DataSource dataSource) {
		MonthlyPartitions partitions = new MonthlyPartitions(dataSource);
		return new StepBuilder("recomputePartitions", jobRepository).tasklet((contribution, context) -> {
			var parameters = context.getStepContext().getJobParameters();
			partitions.ensure("health_score", LocalDate.parse((String) parameters.get("from")),
					LocalDate.parse((String) parameters.get("to")));
			return RepeatStatus.FINISHED;
		}, transactionManager).build();
	}

	@Bean
	Step recomputeScores(JobRepository jobRepository, UserRangePartitioner recomputePartitioner,
			Step recomputeScoresWorker, ProgressListener recomputeProgress, HealthScoreProperties properties) {
		int threads = properties.recompute().threads();
		SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("recompute-");
		executor.setConcurrencyLimit(threads);
		// a partition's lines carry its job execution, as the manager step's do
		executor.setTaskDecorator(LogContext::carry);
		return new StepBuilder("recomputeScores", jobRepository)
			.partitioner("recomputeScoresWorker", recomputePartitioner)
			.step(recomputeScoresWorker)
			.gridSize(threads)
			.taskExecutor(executor)
			// each partition logs its own counts as it ends; this step, the job's
			.listener((StepExecutionListener) recomputeProgress)
			.build();
	}

	@Bean
	Step recomputeScoresWorker(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			UserReadingsItemReader recomputeReader, CompositeItemWriter<ScoredUser> recomputeWriter,
			ScoringProcessor recomputeProcessor, ProgressListener recomputeProgress, HealthScoreProperties properties) {
		return new StepBuilder("recomputeScoresWorker", jobRepository)
			.<ScoringWork, ScoredUser>chunk(properties.recompute().chunkSize())
			.transactionManager(transactionManager)
			.reader(recomputeReader)
			.processor(recomputeProcessor)
			.writer(recomputeWriter)
			.listener(recomputeProgress)
			.build();
	}

	@Bean
	@JobScope
	UserRangePartitioner recomputePartitioner(DataSource dataSource, @Value("#{jobParameters['shard']}") String shard) {
		Shard parsed = Shard.parse(shard);
		return new UserRangePartitioner(dataSource, parsed.index(), parsed.count());
	}

	@Bean
	@StepScope
	UserReadingsItemReader recomputeReader(ReplicaGate replicaGate, ScoringAlgorithm algorithm,
			HealthScoreProperties properties, @Value("#{jobParameters['from']}") String from,
			@Value("#{jobParameters['to']}") String to, @Value("#{jobParameters['users']}") String users,
			@Value("#{jobParameters['shard']}") String shard,
			@Value("#{stepExecutionContext['" + UserRangePartitioner.MIN_USER_ID + "']}") Long minUserId,
			@Value("#{stepExecutionContext['" + UserRangePartitioner.MAX_USER_ID + "']}") Long maxUserId) {
		Shard parsed = Shard.parse(shard);
		return UserReadingsItemReader.builder()
			.name("recomputeReader")
			// every block checks the replica's lag first, then reads where the lag policy
			// says
			.readSource(replicaGate::readSource)
			.days(LocalDate.parse(from), LocalDate.parse(to))
			.lookbackDays(algorithm.lookbackDays())
			.metrics(algorithm.inputMetrics())
			.blockSize(properties.recompute().chunkSize())
			.users(UserIds.parse(users))
			.userIdRange(minUserId, maxUserId)
			.shard(parsed.index(), parsed.count())
			.build();
	}

	@Bean
	@StepScope
	ScoringProcessor recomputeProcessor(ScoringAlgorithm algorithm,
			@Value("#{jobParameters['" + RecomputeOptions.AS_OF + "']}") String asOf) {
		return new ScoringProcessor(algorithm, (asOf != null) ? Instant.parse(asOf) : null);
	}

	@Bean
	@StepScope
	CompositeItemWriter<ScoredUser> recomputeWriter(DataSource dataSource,
			@Value("#{jobParameters['from']}") String from, @Value("#{jobParameters['to']}") String to,
			@Value("#{stepExecution.jobExecutionId}") Long jobExecutionId) {
		return new CompositeItemWriter<>(
				new HealthScoreItemWriter(dataSource, LocalDate.parse(from), LocalDate.parse(to)),
				new QuarantineItemWriter(dataSource, jobExecutionId));
	}

	@Bean
	ProgressListener recomputeProgress(DataSource dataSource, JobRepository jobRepository,
			HealthScoreProperties properties) {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		return new ProgressListener((step) -> {
			// the users the run scores: its shard's, of the listed ones or of all
			Shard shard = Shard.parse(step.getJobParameters().getString("shard"));
			long[] selected = UserIds.parse(step.getJobParameters().getString("users"));
			if (selected.length > 0) {
				return Arrays.stream(selected)
					.filter((id) -> UserShards.contains(id, shard.index(), shard.count()))
					.count();
			}
			return jdbc.queryForObject(
					"SELECT count(*) FROM app_user WHERE true" + UserShards.condition(shard.index(), shard.count()),
					Long.class);
		}, jobRepository, Duration.ofSeconds(properties.recompute().progressIntervalSeconds()));
	}

}
