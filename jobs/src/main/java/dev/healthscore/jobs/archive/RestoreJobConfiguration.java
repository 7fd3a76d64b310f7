package dev.healthscore.jobs.archive;

import java.time.Clock;
import java.time.YearMonth;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveTable;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.DefaultJobParametersValidator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code restore} job: brings one archived month of a table back from S3 into
 * PostgreSQL, verified by the archive's checksum, and attaches it.
 */
@Configuration(proxyBeanMethods = false)
public class RestoreJobConfiguration {

	/** The job's name, as given to {@code run}. */
	public static final String JOB_NAME = "restore";

	@Bean
	Job restoreJob(JobRepository jobRepository, Step restoreMonth) {
		return new JobBuilder(JOB_NAME, jobRepository)
			.validator(new DefaultJobParametersValidator(new String[] { "table", "month" }, new String[] { "run.id" }))
			.start(restoreMonth)
			.build();
	}

	@Bean
	Step restoreMonth(JobRepository jobRepository, Tasklet restoreMonthTasklet) {
		// the restorer commits its own transaction; see ArchiveJobConfiguration
		return new StepBuilder("restoreMonth", jobRepository)
			.tasklet(restoreMonthTasklet, new ResourcelessTransactionManager())
			.build();
	}

	@Bean
	@StepScope
	Tasklet restoreMonthTasklet(DataSource dataSource, S3Client archiveS3Client, ArchiveSettings archiveSettings,
			ObjectProvider<Clock> clock, ObjectProvider<ArchiveStepListener> listener,
			@Value("#{jobParameters['table']}") String table, @Value("#{jobParameters['month']}") String month) {
		MonthRestorer restorer = new MonthRestorer(dataSource, archiveS3Client, archiveSettings,
				clock.getIfAvailable(Clock::systemUTC), listener.getIfAvailable(() -> ArchiveStepListener.NONE));
		return (contribution, chunkContext) -> {
			long rows = restorer.restore(ArchiveTable.of(table), YearMonth.parse(month),
					contribution.getStepExecution().getJobExecutionId());
			contribution.incrementWriteCount(rows);
			return RepeatStatus.FINISHED;
		};
	}

}
