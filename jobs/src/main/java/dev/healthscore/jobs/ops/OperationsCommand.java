package dev.healthscore.jobs.ops;

import java.util.Locale;

import javax.sql.DataSource;

import dev.healthscore.jobs.cli.CommandLineParser;
import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.JobRunner;
import dev.healthscore.jobs.cli.RunSummary;
import dev.healthscore.jobs.cli.UsageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.stereotype.Component;

/**
 * The operator's commands on executions: {@code status}, {@code restart <id>},
 * {@code stop <id>}.
 */
@Component
public class OperationsCommand {

	private static final Logger logger = LoggerFactory.getLogger(OperationsCommand.class);

	/**
	 * What an execution that ended UNKNOWN is, and what to do: Spring Batch restarts no
	 * such execution, and {@code run} with the same command line starts its job anew.
	 */
	private static final String UNKNOWN = "UNKNOWN (Spring Batch could not record how it ended), which does not"
			+ " restart; run the same command again: it runs the job from the start; nothing was started";

	private final JobRepository jobRepository;

	private final DataSource dataSource;

	private final JobRunner jobRunner;

	public OperationsCommand(JobRepository jobRepository, DataSource dataSource, JobRunner jobRunner) {
		this.jobRepository = jobRepository;
		this.dataSource = dataSource;
		this.jobRunner = jobRunner;
	}

	/** Prints the status report. */
	public ExitCode status(Invocation invocation) {
		System.out.println(StatusReport.text(this.dataSource, invocation.positiveInt("limit", 5)));
		return ExitCode.COMPLETED;
	}

	/**
	 * Restarts a failed or stopped execution where it stopped and waits for its end;
	 * refused, like {@code run}, while another run of its job holds the job's guard. An
	 * execution still marked running whose process died (SIGKILL, a lost node: no process
	 * holds the guard) is marked FAILED first, as {@code run} does (see
	 * {@link JobRunner#restart}).
	 */
	public ExitCode restart(Invocation invocation) throws Exception {
		JobExecution execution = execution(invocation);
		BatchStatus status = execution.getStatus();
		if (status == BatchStatus.UNKNOWN) {
			throw new UsageException(
					String.format(Locale.ROOT, "Cannot restart execution %d: it is %s", execution.getId(), UNKNOWN));
		}
		if (status != BatchStatus.FAILED && status != BatchStatus.STOPPED && !execution.isRunning()) {
			throw new UsageException(String.format(Locale.ROOT,
					"Cannot restart execution %d: it is %s; only FAILED or STOPPED executions restart, or one"
							+ " still marked running whose process died",
					execution.getId(), status));
		}
		requireLatestOfItsRun(execution);
		JobRunner.Outcome outcome = this.jobRunner.restart(execution);
		JobExecution restarted = outcome.execution();
		if (restarted != null) {
			RunSummary.log(logger, restarted, RunSummary.ofRestart(restarted, execution.getId(), outcome.exitCode()),
					outcome.exitCode());
		}
		return outcome.exitCode();
	}

	/**
	 * Refuses the restart of a failed or stopped execution whose run (job instance) went
	 * on since as another execution that ended otherwise (COMPLETED, ABANDONED): nothing
	 * is left to resume, and Spring Batch would refuse with an exception (exit code 1 and
	 * a stack trace). A later execution that failed or stopped, or is running, is left to
	 * the restart: it resumes the run from there, or is refused as running.
	 */
	private void requireLatestOfItsRun(JobExecution execution) {
		JobExecution latest = this.jobRepository.getLastJobExecution(execution.getJobInstance());
		if (latest == null || latest.getId() == execution.getId() || latest.isRunning()) {
			return;
		}
		BatchStatus status = latest.getStatus();
		if (status == BatchStatus.UNKNOWN) {
			throw new UsageException(String.format(Locale.ROOT,
					"Cannot restart execution %d: its run went on as execution %d, which is %s", execution.getId(),
					latest.getId(), UNKNOWN));
		}
		if (status != BatchStatus.FAILED && status != BatchStatus.STOPPED) {
			throw new UsageException(String.format(Locale.ROOT,
					"Cannot restart execution %d: its run went on as execution %d, which is %s; nothing is left to"
							+ " resume (see 'status'); nothing was started",
					execution.getId(), latest.getId(), status));
		}
	}

	/**
	 * Asks a running execution, in any process, to stop after its current chunk: its
	 * process notices at the next chunk boundary and ends it STOPPED. An execution whose
	 * process died is marked FAILED instead (see {@link JobRunner#stop}).
	 */
	public ExitCode stop(Invocation invocation) throws Exception {
		JobExecution execution = execution(invocation);
		if (!execution.isRunning()) {
			throw new UsageException(String.format(Locale.ROOT, "Cannot stop execution %d: it is not running (%s)",
					execution.getId(), execution.getStatus()));
		}
		String job = execution.getJobInstance().getJobName();
		BatchStatus marked = execution.getStatus();
		JobExecution now = this.jobRunner.stop(execution);
		if (now.getStatus() == BatchStatus.FAILED) {
			System.out.printf(Locale.ROOT,
					"%s execution %d was marked %s, but no process runs it (its process died): marked FAILED;"
							+ " run the same command again, or restart %d, to resume it where it stopped%n",
					job, execution.getId(), marked, execution.getId());
		}
		else {
			System.out.printf(Locale.ROOT, "Asked %s execution %d to stop after its current chunk%n", job,
					execution.getId());
		}
		return ExitCode.COMPLETED;
	}

	private JobExecution execution(Invocation invocation) {
		long id = invocation.longValue(CommandLineParser.EXECUTION_ID, -1);
		JobExecution execution;
		try {
			execution = this.jobRepository.getJobExecution(id);
		}
		catch (EmptyResultDataAccessException ex) {
			// Spring Batch 6's JDBC DAO throws for an unknown id instead of returning
			// null
			execution = null;
		}
		if (execution == null) {
			throw new UsageException(
					String.format(Locale.ROOT, "No job execution %d: see 'status' for the executions", id));
		}
		return execution;
	}

}
