package dev.healthscore.jobs.metrics;

import java.time.LocalDateTime;

import dev.healthscore.jobs.cli.RunSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.step.StepExecution;

import static org.assertj.core.api.Assertions.assertThat;

class JobMetricsListenerTests {

	@Test
	void aFailedRunCountsItsRowsDurationAndAFailure() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		JobExecution execution = new JobExecution(7L, new JobInstance(3L, "recompute"), new JobParameters());
		execution.setStartTime(LocalDateTime.of(2025, 1, 1, 2, 0, 0));
		execution.setEndTime(LocalDateTime.of(2025, 1, 1, 2, 0, 42));
		execution.setStatus(BatchStatus.FAILED);
		StepExecution step = new StepExecution(11L, "recomputeScores", execution);
		step.setReadCount(120);
		step.setWriteCount(100);
		execution.addStepExecutions(java.util.List.of(step));
		new JobMetricsListener(registry).afterJob(execution);
		assertThat(
				registry.get("healthscore.job.runs").tag("job", "recompute").tag("status", "FAILED").counter().count())
			.isEqualTo(1);
		assertThat(registry.get("healthscore.job.items").tag("kind", "read").counter().count()).isEqualTo(120);
		assertThat(registry.get("healthscore.job.items").tag("kind", "written").counter().count()).isEqualTo(100);
		assertThat(registry.get("healthscore.job.duration").timer().totalTime(java.util.concurrent.TimeUnit.SECONDS))
			.isEqualTo(42);
		assertThat(registry.get("healthscore.job.failures").counter().count()).isEqualTo(1);
	}

	/**
	 * A run that completed with warnings (an archive that found rows outside the archive)
	 * exits 0: without a metric of its own an alarm on failures never sees it.
	 */
	@Test
	void aRunThatCompletedWithWarningsCountsAWarningAndNoFailure() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		JobExecution execution = new JobExecution(8L, new JobInstance(4L, "archive"), new JobParameters());
		execution.setStatus(BatchStatus.COMPLETED);
		execution.setExitStatus(new ExitStatus(RunSummary.COMPLETED_WITH_WARNINGS, "2 rows in DEFAULT partitions"));
		new JobMetricsListener(registry).afterJob(execution);
		JobExecution plain = new JobExecution(9L, new JobInstance(5L, "archive"), new JobParameters());
		plain.setStatus(BatchStatus.COMPLETED);
		plain.setExitStatus(ExitStatus.COMPLETED);
		new JobMetricsListener(registry).afterJob(plain);
		assertThat(registry.get("healthscore.job.warnings").tag("job", "archive").counter().count()).isEqualTo(1);
		assertThat(registry.find("healthscore.job.failures").counter()).isNull();
		assertThat(
				registry.get("healthscore.job.runs").tag("job", "archive").tag("status", "COMPLETED").counter().count())
			.isEqualTo(2);
	}

}
