package dev.healthscore.jobs.cli;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.partitions.PartitionsJobConfiguration;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.NoSuchJobException;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run} finds the run to resume, or a firing's completed run, among all the runs of
 * the job, not only the newest ones: sharded nightly runs and the other jobs' runs pile
 * up between a failed backfill and its rerun.
 */
class JobRunnerResumeIntegrationTests {

	private static final String JOB = PartitionsJobConfiguration.JOB_NAME;

	/** More runs than the 20 newest the runner used to look at. */
	private static final int LATER_RUNS = 25;

	private static TemporaryPostgres postgres;

	private static ConfigurableApplicationContext context;

	private static JobRepository repository;

	private static JobRunner runner;

	@BeforeAll
	static void start() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		context = new SpringApplicationBuilder(HealthScoreApplication.class).run(
				"--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
				"--spring.datasource.username=postgres");
		repository = context.getBean(JobRepository.class);
		runner = context.getBean(JobRunner.class);
	}

	@AfterAll
	static void stop() throws IOException {
		context.close();
		postgres.close();
	}

	@Test
	void aFailedRunIsResumedHoweverManyRunsOfTheJobCameAfterIt() throws Exception {
		JobExecution failed = record(Map.of("months-ahead", "2"), BatchStatus.FAILED);
		later("2025-01");
		// newer runs whose parameters hold these and one more, or fewer: not the same run
		record(Map.of("months-ahead", "2", "scheduled-time", "2025-02-01T02:00:00Z"), BatchStatus.FAILED);
		record(Map.of(), BatchStatus.FAILED);
		JobRunner.Outcome outcome = runner.run(job(), Map.of("months-ahead", "2"));
		assertThat(outcome.exitCode()).isEqualTo(ExitCode.COMPLETED);
		assertThat(outcome.execution().getJobInstanceId()).as("the failed run resumed, not a new run")
			.isEqualTo(failed.getJobInstanceId());
		assertThat(outcome.execution().getId()).isGreaterThan(failed.getId());
	}

	@Test
	void aFiringWhoseRunCompletedIsNotRunAgainHoweverManyRunsOfTheJobCameAfterIt() throws Exception {
		String firing = "2025-03-01T02:00:00Z";
		JobExecution completed = record(Map.of("scheduled-time", firing), BatchStatus.COMPLETED);
		later("2025-04");
		long instances = repository.getJobInstanceCount(JOB);
		JobRunner.Outcome outcome = runner.runForFiring(job(), Map.of("scheduled-time", firing), Instant.parse(firing));
		assertThat(outcome.execution()).as("nothing started").isNull();
		assertThat(outcome.exitCode()).isEqualTo(ExitCode.COMPLETED);
		assertThat(outcome.completedBefore().getId()).as("the completed run, not run again")
			.isEqualTo(completed.getId());
		assertThat(repository.getJobInstanceCount(JOB)).isEqualTo(instances);
	}

	/** Records completed runs with other parameters, as other firings leave them. */
	private static void later(String month) {
		for (int day = 1; day <= LATER_RUNS; day++) {
			Map<String, String> parameters = new LinkedHashMap<>();
			parameters.put("months-ahead", "3");
			parameters.put("scheduled-time", "%s-%02dT02:00:00Z".formatted(month, day));
			record(parameters, BatchStatus.COMPLETED);
		}
	}

	/** Records a run of the job as the runner starts one: its parameters and a run id. */
	private static JobExecution record(Map<String, String> parameters, BatchStatus status) {
		JobParametersBuilder builder = new JobParametersBuilder();
		parameters.forEach(builder::addString);
		JobParameters withRunId = builder.addLong("run.id", instanceCount() + 1).toJobParameters();
		JobInstance instance = repository.createJobInstance(JOB, withRunId);
		JobExecution execution = repository.createJobExecution(instance, withRunId, new ExecutionContext());
		execution.setStartTime(LocalDateTime.now());
		execution.setEndTime(LocalDateTime.now());
		execution.setStatus(status);
		execution.setExitStatus(new ExitStatus(status.name()));
		repository.update(execution);
		return execution;
	}

	private static long instanceCount() {
		try {
			return repository.getJobInstanceCount(JOB);
		}
		catch (NoSuchJobException ex) {
			return 0;
		}
	}

	private static Job job() {
		return context.getBean(InProcessJobLauncher.class).job(JOB);
	}

}
