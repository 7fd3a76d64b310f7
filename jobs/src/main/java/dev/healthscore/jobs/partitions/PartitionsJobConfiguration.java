package dev.healthscore.jobs.partitions;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.jdbc.MonthlyPartitions;
import dev.healthscore.jobs.archive.DefaultPartitionRows;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code partitions} job: creates the monthly partitions of {@code health_reading}
 * and {@code health_score} from the current month (UTC) to some months ahead, those that
 * are missing only, so that running it again changes nothing. A month whose partition the
 * archive took out ({@code DETACHED}, {@code DROPPED}, {@code RESTORING} in its ledger)
 * is left alone, with a warning: its rows are in the archive (a scheduled time in the
 * past, or the restart of an old run, reaches such months). Rows of a month of the
 * archive ledger in a {@code DEFAULT} partition (a late reading of an archived month) are
 * a warning each, and the run ends {@code COMPLETED WITH WARNINGS} (see
 * {@link DefaultPartitionRows}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(PartitionsProperties.class)
public class PartitionsJobConfiguration {

	/** The job's name, as given to {@code run}. */
	public static final String JOB_NAME = "partitions";

	private static final Logger logger = LoggerFactory.getLogger(PartitionsJobConfiguration.class);

	private static final List<String> TABLES = List.of("health_reading", "health_score");

	@Bean
	Job partitionsJob(JobRepository jobRepository, Step createPartitions) {
		return new JobBuilder(JOB_NAME, jobRepository)
			.validator(new DefaultJobParametersValidator(new String[0],
					new String[] { "months-ahead", "scheduled-time", "run.id" }))
			.start(createPartitions)
			.build();
	}

	@Bean
	Step createPartitions(JobRepository jobRepository, Tasklet createPartitionsTasklet) {
		// each partition is created in its own statement by the database function
		return new StepBuilder("createPartitions", jobRepository)
			.tasklet(createPartitionsTasklet, new ResourcelessTransactionManager())
			.build();
	}

	@Bean
	@StepScope
	Tasklet createPartitionsTasklet(DataSource dataSource, PartitionsProperties properties, ObjectProvider<Clock> clock,
			@Value("#{jobParameters['months-ahead']}") String monthsAhead,
			@Value("#{jobParameters['scheduled-time']}") String scheduledTime) {
		int ahead = (monthsAhead != null) ? Integer.parseInt(monthsAhead) : properties.monthsAhead();
		Instant now = (scheduledTime != null) ? Instant.parse(scheduledTime)
				: clock.getIfAvailable(Clock::systemUTC).instant();
		YearMonth first = YearMonth.from(now.atOffset(ZoneOffset.UTC));
		YearMonth last = first.plusMonths(ahead);
		MonthlyPartitions partitions = new MonthlyPartitions(dataSource);
		return (contribution, chunkContext) -> {
			long executionId = contribution.getStepExecution().getJobExecutionId();
			List<ArchiveLedgerEntry> archived = archived(dataSource, first, last);
			for (String table : TABLES) {
				int created = 0;
				for (YearMonth month = first; !month.isAfter(last); month = month.plusMonths(1)) {
					ArchiveLedgerEntry entry = entry(archived, table, month);
					if (entry == null || !outOfPostgres(entry.state())) {
						created += partitions.ensure(table, month, month);
					}
					else {
						logger.warn(
								"Job execution {}: {} of {} not created: the archive ledger says {} (its"
										+ " rows are archived; run restore --table={} --month={} brings them back)",
								executionId, month, table, entry.state(), table, month);
					}
				}
				contribution.incrementWriteCount(created);
				logger.info("Job execution {}: {} partitions of {} for {}..{}: {} created", executionId,
						months(first, last), table, first, last, created);
			}
			// daily, so that a late row of an archived month is not first seen by the
			// monthly archive
			new DefaultPartitionRows().warn(logger, dataSource, null, contribution);
			return RepeatStatus.FINISHED;
		};
	}

	/**
	 * Returns the ledger's entries of the months: one that is archived, or being so, must
	 * not get a partition again beside its archive (a restore would then refuse it), and
	 * a restored one has its partition.
	 */
	private static List<ArchiveLedgerEntry> archived(DataSource dataSource, YearMonth first, YearMonth last)
			throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			return new ArchiveLedger().entries(connection)
				.stream()
				.filter((entry) -> !entry.month().isBefore(first) && !entry.month().isAfter(last))
				.toList();
		}
	}

	/**
	 * Whether the archive took the month's partition out of its table: detached, dropped,
	 * or being restored (left so by an earlier version). Before it detaches it
	 * ({@code EXPORTING}, {@code EXPORTED}, {@code VERIFIED}) the partition is there, and
	 * its rows in PostgreSQL: no restore of it would be taken.
	 */
	private static boolean outOfPostgres(ArchiveState state) {
		return state == ArchiveState.DETACHED || state == ArchiveState.DROPPED || state == ArchiveState.RESTORING;
	}

	private static ArchiveLedgerEntry entry(List<ArchiveLedgerEntry> entries, String table, YearMonth month) {
		return entries.stream()
			.filter((entry) -> entry.table().tableName().equals(table) && entry.month().equals(month))
			.findFirst()
			.orElse(null);
	}

	private static long months(YearMonth first, YearMonth last) {
		return first.until(last, ChronoUnit.MONTHS) + 1;
	}

}
