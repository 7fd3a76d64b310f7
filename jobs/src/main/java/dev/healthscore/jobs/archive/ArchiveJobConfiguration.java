package dev.healthscore.jobs.archive;

import java.time.Clock;
import java.time.YearMonth;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.replica.ReplicaGate;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.DefaultJobParametersValidator;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParametersValidator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code archive} job: replaces the {@code app_user} snapshot, then moves every month
 * older than the hot window (or {@code --before}) of {@code health_reading} and
 * {@code health_score} to S3, verified, detached, and dropped after the grace period.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ArchiveProperties.class)
public class ArchiveJobConfiguration {

	/** The job's name, as given to {@code run}. */
	public static final String JOB_NAME = "archive";

	@Bean
	Job archiveJob(JobRepository jobRepository, Step archiveUsers, Step archivePartitions) {
		return new JobBuilder(JOB_NAME, jobRepository).validator(parametersValidator())
			.start(archiveUsers)
			.next(archivePartitions)
			.build();
	}

	/**
	 * Returns the job's parameter check. It refuses a {@code dry-run} parameter, which
	 * {@link DefaultJobParametersValidator} would only warn of: {@code run archive
	 * --dry-run} previews a run outside the job ({@link ArchiveDryRun}), and a way in
	 * that missed it (a schedule's step given the option) must not archive for real.
	 */
	static JobParametersValidator parametersValidator() {
		DefaultJobParametersValidator keys = new DefaultJobParametersValidator(new String[0], new String[] { "before",
				"hot-months", ArchiveOptions.ALLOW_RECENT, ArchiveOptions.REARCHIVE, "scheduled-time", "run.id" });
		return (parameters) -> {
			if (parameters.getParameter(ArchiveOptions.DRY_RUN) != null) {
				throw new InvalidJobParametersException("Cannot run the archive job with the " + ArchiveOptions.DRY_RUN
						+ " parameter: a dry run is 'run archive --dry-run', which previews a run without starting"
						+ " the job; nothing was archived");
			}
			keys.validate(parameters);
		};
	}

	// the tasklets manage their own connections and transactions; the step's transaction
	// would only hold a connection idle for the length of an export
	@Bean
	Step archiveUsers(JobRepository jobRepository, Tasklet archiveUsersTasklet) {
		return new StepBuilder("archiveUsers", jobRepository)
			.tasklet(archiveUsersTasklet, new ResourcelessTransactionManager())
			.build();
	}

	@Bean
	Step archivePartitions(JobRepository jobRepository, Tasklet archivePartitionsTasklet) {
		return new StepBuilder("archivePartitions", jobRepository)
			.tasklet(archivePartitionsTasklet, new ResourcelessTransactionManager())
			.build();
	}

	@Bean
	@StepScope
	Tasklet archiveUsersTasklet(DataSource dataSource, S3Client archiveS3Client, ArchiveSettings archiveSettings,
			ObjectProvider<Clock> clock) {
		return new SnapshotTasklet(dataSource, archiveS3Client, archiveSettings,
				clock.getIfAvailable(Clock::systemUTC));
	}

	@Bean
	@StepScope
	Tasklet archivePartitionsTasklet(DataSource dataSource, ReplicaGate replicaGate, S3Client archiveS3Client,
			ArchiveSettings archiveSettings, ArchiveProperties properties, ObjectProvider<Clock> clock,
			ObjectProvider<ArchiveStepListener> listener, @Value("#{jobParameters['before']}") String before,
			@Value("#{jobParameters['hot-months']}") String hotMonths,
			@Value("#{jobParameters['scheduled-time']}") String scheduledTime,
			@Value("#{jobParameters['rearchive']}") String rearchive) {
		Clock now = clock.getIfAvailable(Clock::systemUTC);
		MonthArchiver archiver = new MonthArchiver(dataSource, replicaGate, archiveS3Client, archiveSettings, now,
				properties.gracePeriod(), listener.getIfAvailable(() -> ArchiveStepListener.NONE));
		// a scheduled run resolves its window against its scheduled time, so a late or
		// retried run archives what the run on time would have
		YearMonth cutOff = ArchivePlan.cutOff(before, hotMonths, scheduledTime, properties, now.instant());
		return new ArchiveTasklet(dataSource, archiver, cutOff, ArchiveOptions.rearchiveParameter(rearchive));
	}

	@Bean
	ArchiveSettings archiveSettings(ArchiveProperties properties) {
		return properties.settings();
	}

}
