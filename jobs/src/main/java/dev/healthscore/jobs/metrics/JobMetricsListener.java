package dev.healthscore.jobs.metrics;

import java.time.Duration;
import java.time.LocalDateTime;

import dev.healthscore.jobs.EveryJobListeners.EveryJobListener;
import dev.healthscore.jobs.cli.RunSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepExecution;

/**
 * Records, for every job execution: a run counted by job and status, its duration, the
 * items read, written and skipped, and a failure counter that a CloudWatch alarm can
 * watch.
 */
class JobMetricsListener implements EveryJobListener {

	private final MeterRegistry registry;

	JobMetricsListener(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void afterJob(JobExecution execution) {
		String job = execution.getJobInstance().getJobName();
		Tags tags = Tags.of("job", job, "status", execution.getStatus().name());
		this.registry.counter("healthscore.job.runs", tags).increment();
		LocalDateTime start = execution.getStartTime();
		LocalDateTime end = (execution.getEndTime() != null) ? execution.getEndTime() : LocalDateTime.now();
		if (start != null) {
			this.registry.timer("healthscore.job.duration", tags).record(Duration.between(start, end));
		}
		long read = 0;
		long written = 0;
		long skipped = 0;
		for (StepExecution step : execution.getStepExecutions()) {
			read += step.getReadCount();
			written += step.getWriteCount();
			skipped += step.getSkipCount();
		}
		this.registry.counter("healthscore.job.items", Tags.of("job", job, "kind", "read")).increment(read);
		this.registry.counter("healthscore.job.items", Tags.of("job", job, "kind", "written")).increment(written);
		this.registry.counter("healthscore.job.items", Tags.of("job", job, "kind", "skipped")).increment(skipped);
		if (execution.getStatus().isUnsuccessful()) {
			this.registry.counter("healthscore.job.failures", Tags.of("job", job)).increment();
		}
		if (RunSummary.warned(execution)) {
			this.registry.counter("healthscore.job.warnings", Tags.of("job", job)).increment();
		}
	}

}
