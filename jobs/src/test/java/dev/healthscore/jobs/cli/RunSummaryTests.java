package dev.healthscore.jobs.cli;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Instant;

import dev.healthscore.io.replica.LagPolicy;
import dev.healthscore.io.replica.NotAStandbyException;
import dev.healthscore.io.replica.ReplicaLagException;
import dev.healthscore.schedules.JobLaunch;
import dev.healthscore.schedules.JobStep;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.OptimisticLockingFailureException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RunSummary}: the line an operator reads first says what was being done
 * (which object, which server) as well as what the server or the network answered.
 */
class RunSummaryTests {

	@Test
	void aFailureSaysWhatWasBeingDoneAndWhyNotOnlyItsInnermostCause() {
		// as S3OutputStream and the SDK throw them, wrapped by Spring
		IOException upload = new IOException("Cannot complete upload of s3://bucket/app_user/part-00000.parquet",
				new IllegalStateException("NoSuchBucket: The specified bucket does not exist"));
		JobExecution execution = failed(new DataAccessResourceFailureException("Unable to process chunk", upload));
		assertThat(RunSummary.of(execution, ExitCode.FAILED)).isEqualTo("archive execution 7 ended FAILED; exit code 1:"
				+ " IOException: Cannot complete upload of s3://bucket/app_user/part-00000.parquet; caused by"
				+ " IllegalStateException: NoSuchBucket: The specified bucket does not exist. To go on, rerun the same"
				+ " command (or restart 7) to resume it where it stopped");
	}

	@Test
	void aScheduledStepSaysItsScheduleAndFiringAndToRestartItWithoutAnExitCode() {
		JobExecution execution = failed(new IllegalStateException("Cannot read back s3://bucket/t/part.parquet"));
		JobLaunch launch = new JobLaunch("archive-monthly", JobStep.of("archive", "hot-months", "13"),
				Instant.parse("2025-03-02T05:00:00Z"));
		assertThat(RunSummary.ofScheduled(execution, ExitCode.FAILED, launch))
			.isEqualTo("archive execution 7 (schedule archive-monthly, firing 2025-03-02T05:00:00Z) ended FAILED:"
					+ " IllegalStateException: Cannot read back s3://bucket/t/part.parquet. To go on, restart 7 to"
					+ " resume it where it stopped");
		// one that cannot be resumed is run again as the step's command line
		execution.setStatus(BatchStatus.UNKNOWN);
		assertThat(RunSummary.ofScheduled(execution, ExitCode.FAILED, launch)).endsWith(
				"To go on, run 'run archive --hot-months=13 --scheduled-time=2025-03-02T05:00:00Z' by hand: it runs"
						+ " the job again from the start, as the job repository could not record where this"
						+ " execution stopped (UNKNOWN), so it cannot be resumed");
		execution.setStatus(BatchStatus.COMPLETED);
		assertThat(RunSummary.ofScheduled(execution, ExitCode.COMPLETED, launch))
			.isEqualTo("archive execution 7 (schedule archive-monthly, firing 2025-03-02T05:00:00Z) ended COMPLETED");
	}

	@Test
	void aRunThatCompletedWithWarningsQuotesThemAndOneThatDidNotSaysNoMore() {
		JobExecution execution = new JobExecution(7L, new JobInstance(1L, "archive"), new JobParameters());
		execution.setStatus(BatchStatus.COMPLETED);
		execution.setExitStatus(ExitStatus.COMPLETED);
		assertThat(RunSummary.of(execution, ExitCode.COMPLETED))
			.isEqualTo("archive execution 7 ended COMPLETED; exit code 0");
		assertThat(RunSummary.warned(execution)).isFalse();
		execution.setExitStatus(new ExitStatus(RunSummary.COMPLETED_WITH_WARNINGS,
				"2 rows in DEFAULT partitions are outside the archive"));
		assertThat(RunSummary.of(execution, ExitCode.COMPLETED)).isEqualTo("archive execution 7 ended COMPLETED;"
				+ " exit code 0; with warnings: 2 rows in DEFAULT partitions are outside the archive");
		assertThat(RunSummary.warned(execution)).isTrue();
	}

	@Test
	void aCauseThatAWrapperAlreadyQuotesIsNotRepeated() {
		RuntimeException readBack = new IllegalStateException(
				"Cannot read back s3://bucket/t/month=2025-01/part.parquet:"
						+ " Read timed out; S3 failed, so nothing was compared: run again once it answers",
				new SocketTimeoutException("Read timed out"));
		assertThat(RunSummary.of(failed(readBack), ExitCode.FAILED))
			.contains("exit code 1: IllegalStateException: Cannot read back s3://bucket/t/month=2025-01/part.parquet:"
					+ " Read timed out; S3 failed, so nothing was compared: run again once it answers. To go on,")
			.doesNotContain("caused by");
	}

	@Test
	void aReplicaFailureSaysWhetherItWasBehindOrUnreachableAndUnderWhichPolicy() {
		ReplicaLagException unreachable = new ReplicaLagException(
				"Replica is unreachable (Cannot query the replica: FATAL: password authentication failed for user"
						+ " \"app\") after waiting 300,000 ms (lag policy wait): rerun when the replica has caught up",
				null, LagPolicy.WAIT, null);
		assertThat(RunSummary.of(failed(new IllegalStateException("Unable to process chunk", unreachable)),
				ExitCode.REPLICA_LAGGING))
			.isEqualTo("archive execution 7 ended FAILED; exit code 4: ReplicaLagException: Replica is unreachable"
					+ " (Cannot query the replica: FATAL: password authentication failed for user \"app\") after"
					+ " waiting 300,000 ms (lag policy wait): rerun when the replica has caught up. Once the replica"
					+ " answers and has caught up, rerun the same command (or restart 7) to resume it where it stopped");
	}

	@Test
	void aReplicaThatIsNotAStandbyIsNotSaidToMendByCatchingUp() {
		NotAStandbyException other = new NotAStandbyException("healthscore.replica.url names a server of another"
				+ " cluster: its system identifier is 1, the primary's 2 (another database, not a copy of the primary's)");
		ReplicaLagException refused = new ReplicaLagException("Replica is not a standby of the primary ("
				+ other.getMessage() + ") (lag policy fail, not read: its"
				+ " data is not the primary's, and this does not change by itself): correct"
				+ " healthscore.replica.url to name a standby of the primary and rerun, or unset it to read from"
				+ " the primary", null, LagPolicy.FAIL, other);
		assertThat(RunSummary.of(failed(new IllegalStateException("Unable to process chunk", refused)),
				ExitCode.REPLICA_LAGGING))
			.startsWith("archive execution 7 ended FAILED; exit code 4: ReplicaLagException: Replica is not a standby"
					+ " of the primary (healthscore.replica.url names a server of another cluster")
			.endsWith(". Once healthscore.replica.url names a standby of the primary (or is unset), rerun the same"
					+ " command (or restart 7) to resume it where it stopped")
			.doesNotContain("caught up");
	}

	@Test
	void anExecutionWhoseStateCouldNotBeRecordedIsNotSaidToResume() {
		// a chunk's connection ended by the primary: Spring Batch cannot save the step
		// and marks the execution UNKNOWN, which 'restart' refuses and the same command
		// runs anew
		JobExecution execution = failed(
				new OptimisticLockingFailureException("Attempt to update step execution id=27 with wrong version"));
		execution.setStatus(BatchStatus.UNKNOWN);
		assertThat(RunSummary.of(execution, ExitCode.FAILED))
			.isEqualTo("archive execution 7 ended UNKNOWN; exit code 1:"
					+ " OptimisticLockingFailureException: Attempt to update step execution id=27 with wrong version. To go"
					+ " on, rerun the same command: it runs the job again from the start, as the job repository could not"
					+ " record where this execution stopped (UNKNOWN), so it cannot be resumed");
	}

	private static JobExecution failed(Throwable failure) {
		JobExecution execution = new JobExecution(7, new JobInstance(3, "archive"), new JobParameters());
		execution.setStatus(BatchStatus.FAILED);
		StepExecution step = new StepExecution("archiveUsers", execution);
		step.addFailureException(failure);
		execution.addStepExecution(step);
		return execution;
	}

}
