package dev.healthscore.jobs.recompute;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;

import javax.sql.DataSource;

import dev.healthscore.io.jdbc.MonthlyPartitions;
import dev.healthscore.io.reading.ScoringWork;
import dev.healthscore.io.reading.UserReadingsItemReader;
import dev.healthscore.io.score.HealthScoreItemWriter;
import dev.healthscore.io.score.QuarantineItemWriter;
import dev.healthscore.io.score.ScoredUser;
import dev.healthscore.jobs.HealthScoreProperties;
import dev.healthscore.scoring.ScoringAlgorithm;

import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.DefaultJobParametersValidator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.support.CompositeItemWriter;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code recompute} job: creates the score partitions the range needs, then scores
 * every user (or the listed ones) over a range of local days, a chunk of users at a time.
 */
@Configuration(proxyBeanMethods = false)
public class RecomputeJobConfiguration {

	/** The job's name, as given to {@code run}. */
	public static final String JOB_NAME = "recompute";

	@Bean
	Job recomputeJob(JobRepository jobRepository, Step recomputePartitions, Step recomputeScores) {
		return new JobBuilder(JOB_NAME, jobRepository)
			.validator(new DefaultJobParametersValidator(new String[] { "from", "to" },
					new String[] { "users", "run.id", RecomputeOptions.AS_OF }))
			.start(recomputePartitions)
			.next(recomputeScores)
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
	Step recomputeScores(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			UserReadingsItemReader recomputeReader, CompositeItemWriter<ScoredUser> recomputeWriter,
			ProgressListener recomputeProgress, ScoringProcessor recomputeProcessor, HealthScoreProperties properties) {
		return new StepBuilder("recomputeScores", jobRepository)
			.<ScoringWork, ScoredUser>chunk(properties.recompute().chunkSize())
			.transactionManager(transactionManager)
			.reader(recomputeReader)
			.processor(recomputeProcessor)
			.writer(recomputeWriter)
			.listener(recomputeProgress)
			.build();
	}

	@Bean
	@StepScope
	UserReadingsItemReader recomputeReader(DataSource dataSource, ScoringAlgorithm algorithm,
			HealthScoreProperties properties, @Value("#{jobParameters['from']}") String from,
			@Value("#{jobParameters['to']}") String to, @Value("#{jobParameters['users']}") String users) {
		return UserReadingsItemReader.builder()
			.name("recomputeReader")
			.dataSource(dataSource)
			.days(LocalDate.parse(from), LocalDate.parse(to))
			.lookbackDays(algorithm.lookbackDays())
			.metrics(algorithm.inputMetrics())
			.blockSize(properties.recompute().chunkSize())
			.users(UserIds.parse(users))
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
	@StepScope
	ProgressListener recomputeProgress(DataSource dataSource, HealthScoreProperties properties,
			@Value("#{jobParameters['users']}") String users) {
		long[] selected = UserIds.parse(users);
		long total = (selected.length > 0) ? selected.length
				: new JdbcTemplate(dataSource).queryForObject("SELECT count(*) FROM app_user", Long.class);
		return new ProgressListener(total, Duration.ofSeconds(properties.recompute().progressIntervalSeconds()));
	}

}
