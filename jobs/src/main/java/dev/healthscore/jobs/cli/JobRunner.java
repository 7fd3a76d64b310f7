package dev.healthscore.jobs.cli;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import dev.healthscore.io.Causes;
import dev.healthscore.io.replica.ReplicaLagException;
import dev.healthscore.jobs.EveryJobListeners.EveryJobListener;
import dev.healthscore.jobs.JobLogContext;
import dev.healthscore.schedules.JobNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobExecutionAlreadyRunningException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.launch.NoSuchJobException;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Runs a job to its end and maps its outcome to an {@link ExitCode}. A run whose last
 * execution with the same parameters failed or was stopped restarts that execution where
 * it stopped; otherwise a new instance starts (but not for a schedule's firing whose run
 * completed: {@link #runForFiring}). A last execution still marked running while this
 * runner holds its guard was left by a process that died (SIGKILL, a lost node): it is
 * marked FAILED and restarted where it stopped. What it logs before the run starts (a
 * refusal, the execution it restarts) carries the job's name, and a restart's the
 * restarted execution's keys, in the logging context ({@link JobLogContext}).
 */
@Component
public class JobRunner implements EveryJobListener {

	private static final Logger logger = LoggerFactory.getLogger(JobRunner.class);

	private static final String RUN_ID = "run.id";

	/**
	 * The parameter naming the command that ran a job when it is not {@code run} (a
	 * {@code reprocess} runs the recompute job), for {@code status} to tell its
	 * executions apart. Not identifying: it makes no other job instance; but as every
	 * parameter, it is part of what makes a run the same command as an earlier one, whose
	 * failed execution it resumes.
	 */
	public static final String COMMAND = "command";

	/**
	 * The last execution (as {@link JobRepository#getLastJobExecution(JobInstance)}: the
	 * highest id) of the newest instance (as {@link JobRepository#getJobInstances}: the
	 * highest id) of a job whose last execution has exactly the given parameters, the run
	 * id aside, compared as text as {@link #sameParameters} does: as many, each with its
	 * value. One query, however many instances the job has.
	 */
	private static final String NEWEST_WITH_PARAMETERS = """
			WITH last AS (
				SELECT i.job_instance_id, max(e.job_execution_id) AS job_execution_id
				FROM batch_job_instance i JOIN batch_job_execution e ON e.job_instance_id = i.job_instance_id
				WHERE i.job_name = ?
				GROUP BY i.job_instance_id
			)
			SELECT l.job_execution_id
			FROM last l
			LEFT JOIN batch_job_execution_params p ON p.job_execution_id = l.job_execution_id AND p.parameter_name <> ?
			GROUP BY l.job_instance_id, l.job_execution_id
			HAVING count(p.parameter_name) = ?
				AND count(*) FILTER (WHERE (p.parameter_name, p.parameter_value::text)
					IN (SELECT * FROM unnest(?::text[], ?::text[]))) = ?
			ORDER BY l.job_instance_id DESC
			LIMIT 1""";

	/**
	 * Jobs that never run beside another: reconcile holds recompute's guard over all
	 * users as well as its own, so no recompute (over all users or a shard, nor a
	 * reprocess) runs meanwhile. A recompute that read a day's inputs before reconcile
	 * corrected the day, and wrote after it, would put the older score back, and later
	 * incremental runs would not look at it again.
	 */
	private static final Map<String, String> EXCLUDES = Map.of(JobNames.RECONCILE, JobNames.RECOMPUTE);

	private final JobOperator jobOperator;

	private final JobRepository jobRepository;

	private final JdbcTemplate jdbc;

	private final JobRunGuard guard;

	/**
	 * The runs of this process now in progress (the Quartz scheduler runs two at once):
	 * the job and the parameters each was launched with, which tell its executions from
	 * those other processes run of the same job (other shards).
	 */
	private final Set<Running> running = ConcurrentHashMap.newKeySet();

	/**
	 * The run whose job this thread is launching: the job runs in the launching thread,
	 * and {@link #beforeJob} records its executions in it.
	 */
	private final ThreadLocal<Running> launching = new ThreadLocal<>();

	private final List<RunPrecondition> preconditions;

	/**
	 * Creates a runner.
	 * @param dataSource the database of the job repository (the primary)
	 */
	public JobRunner(JobOperator jobOperator, JobRepository jobRepository, DataSource dataSource, JobRunGuard guard,
			ObjectProvider<RunPrecondition> preconditions) {
		this.jobOperator = jobOperator;
		this.jobRepository = jobRepository;
		this.jdbc = new JdbcTemplate(dataSource);
		this.guard = guard;
		this.preconditions = preconditions.orderedStream().toList();
	}

	/**
	 * Runs {@code job} with {@code parameters} (without a run id) and waits for its end;
	 * refused with {@link ExitCode#ALREADY_RUNNING} while another run of the job, in this
	 * process or any other, holds its {@link JobRunGuard guard}. The run's scope is its
	 * {@code shard} parameter, or all of the job's work.
	 * @throws UsageException when a {@link RunPrecondition} refuses the run
	 */
	public Outcome run(Job job, Map<String, String> parameters) throws Exception {
		return run(job, parameters, null);
	}

	/**
	 * Runs {@code job} for a schedule's firing, as {@link #run(Job, Map)} does, except
	 * that a run whose parameters hold the firing's time (as recompute's {@code as-of}
	 * and archive's {@code scheduled-time} do) and whose last execution completed is not
	 * run again: the firing was retried after a later step failed, or delivered twice
	 * (EventBridge Scheduler delivers at least once), and this step's work for it is
	 * done. A run whose parameters do not hold the time (reconcile's range of days) runs
	 * again, as by hand: its inputs may have changed since.
	 * @param scheduledTime the instant the schedule fired for
	 */
	public Outcome runForFiring(Job job, Map<String, String> parameters, Instant scheduledTime) throws Exception {
		return run(job, parameters, scheduledTime.toString());
	}

	private Outcome run(Job job, Map<String, String> parameters, String firing) throws Exception {
		String name = job.getName();
		try (JobLogContext.Scope scope = JobLogContext.open(name)) {
			return guarded(name, Map.copyOf(parameters), null, () -> {
				JobExecution last = findLast(name, parameters);
				if (last != null && last.getStatus() == BatchStatus.COMPLETED && firing != null
						&& parameters.containsValue(firing)) {
					return Outcome.alreadyCompleted(last);
				}
				if (last == null
						|| !(last.getStatus() == BatchStatus.FAILED || last.getStatus() == BatchStatus.STOPPED)) {
					return ended(this.jobOperator.start(job, withRunId(name, parameters)));
				}
				logger.info("Restarting {} execution {} ({}) where it stopped", name, last.getId(), last.getStatus());
				return ended(this.jobOperator.restart(last));
			});
		}
	}

	/**
	 * Restarts a failed or stopped execution where it stopped, under the guard of its job
	 * and scope like {@link #run(Job, Map)}, and waits for its end. An execution still
	 * marked running once the guard is held has no process running it (its process died):
	 * it is marked FAILED first, as {@link #run(Job, Map)} does. Refused with
	 * {@link ExitCode#ALREADY_RUNNING} while another process holds the guard: the message
	 * says when that process is running the execution itself.
	 */
	public Outcome restart(JobExecution execution) throws Exception {
		try (JobLogContext.Scope scope = JobLogContext.open(execution)) {
			return guarded(execution.getJobInstance().getJobName(), parameters(execution.getJobParameters()), execution,
					() -> {
						JobExecution current = this.jobRepository.getJobExecution(execution.getId());
						if (current != null && current.isRunning()) {
							current = recoverDead(current);
						}
						return ended(this.jobOperator.restart((current != null) ? current : execution));
					});
		}
	}

	/**
	 * Asks a running execution to stop after its current chunk, in whichever process runs
	 * it. An execution whose process died (SIGKILL, a lost node) would never notice: when
	 * no process holds the guard of its job and scope, none runs it, and it is marked
	 * FAILED at once, as the next run of its command would, to be resumed where it
	 * stopped.
	 * @param execution a running execution (STARTING, STARTED or STOPPING)
	 * @return the execution as it is now: asked to stop, or FAILED when its process was
	 * gone
	 */
	public JobExecution stop(JobExecution execution) throws Exception {
		String job = execution.getJobInstance().getJobName();
		try (JobRunGuard.Held held = this.guard.tryAcquire(job, scope(parameters(execution.getJobParameters())))) {
			if (held != null) {
				return recoverDead(execution);
			}
		}
		askToStop(execution.getId());
		return this.jobRepository.getJobExecution(execution.getId());
	}

	/**
	 * Marks a running execution STOPPING, which its process checks for at its next chunk
	 * boundary, where it ends the execution STOPPED; until then it shows as running. Not
	 * {@link JobOperator#stop}: that also gives the execution an end time, which the
	 * repository takes for an execution that has already ended, so it marks it STOPPED at
	 * once (logging "Upgrading job execution status from STOPPING to STOPPED since it has
	 * already ended") while its process is still at work on its chunk. One conditional
	 * update: an execution that ended since it was read is left as it ended (an update
	 * through the repository would put STOPPING over its COMPLETED, and take its end time
	 * away).
	 * @return false when the execution was no longer STARTING or STARTED
	 */
	private boolean askToStop(long executionId) {
		int updated = this.jdbc.update("""
				UPDATE batch_job_execution SET status = ?, version = version + 1, last_updated = ?
				WHERE job_execution_id = ? AND status IN (?, ?) AND end_time IS NULL""", BatchStatus.STOPPING.name(),
				Timestamp.valueOf(LocalDateTime.now()), executionId, BatchStatus.STARTING.name(),
				BatchStatus.STARTED.name());
		return updated == 1;
	}

	/**
	 * Checks a run of {@code job} with {@code parameters} as {@link #run} does before it
	 * starts it: what previews the run without starting it (a dry run) must refuse what
	 * the run would refuse.
	 * @throws UsageException when a {@link RunPrecondition} refuses the run
	 */
	public void check(String job, Map<String, String> parameters) {
		for (RunPrecondition precondition : this.preconditions) {
			precondition.check(job, parameters);
		}
	}

	/**
	 * Checks the settings a run of {@code job} uses, whatever its parameters, as
	 * {@link #run} does before it starts it ({@link RunPrecondition#checkSettings}).
	 * @throws UsageException when they refuse every run of the job
	 */
	public void checkSettings(String job) {
		for (RunPrecondition precondition : this.preconditions) {
			precondition.checkSettings(job);
		}
	}

	/**
	 * Launches a run of {@code job} under its guard, known to {@link #stopRunning} until
	 * it ends, once every {@link RunPrecondition} let it.
	 * @param restarting the execution a {@code restart} resumes, or null for a run
	 */
	private Outcome guarded(String job, Map<String, String> parameters, JobExecution restarting, Launch launch)
			throws Exception {
		check(job, parameters);
		String scope = scope(parameters);
		String excludes = EXCLUDES.get(job);
		try (JobRunGuard.Held held = this.guard.tryAcquire(job, scope);
				JobRunGuard.Held excluded = (held != null && excludes != null)
						? this.guard.tryAcquire(excludes, JobRunGuard.ALL) : null) {
			if (held == null) {
				if (!refusedAsStillRunning(restarting)) {
					logger.error("Cannot run {} ({}): another run of it{} is in progress; nothing was started", job,
							scope, EXCLUDES.containsValue(job) ? ", or a reconcile (which never runs beside it)," : "");
				}
				return new Outcome(null, ExitCode.ALREADY_RUNNING);
			}
			if (excludes != null && excluded == null) {
				logger.error("Cannot run {}: a {} is in progress, and they never run side by side (scores the {} read"
						+ " before a correction would undo it); nothing was started. Run it again once the {} has"
						+ " ended", job, excludes, excludes, excludes);
				return new Outcome(null, ExitCode.ALREADY_RUNNING);
			}
			Running run = new Running(job, parameters);
			this.running.add(run);
			// another run that took the guard after its session ended: this one stops
			held.watch(() -> stopLost(run));
			if (excluded != null) {
				excluded.watch(() -> stopLost(run));
			}
			this.launching.set(run);
			try {
				return launch.launch();
			}
			catch (JobExecutionAlreadyRunningException ex) {
				logger.error("Cannot run {}: {}", job, ex.getMessage());
				return new Outcome(null, ExitCode.ALREADY_RUNNING);
			}
			finally {
				this.launching.remove();
				this.running.remove(run);
			}
		}
	}

	/**
	 * Says why a restart of an execution that is still running is refused, when it is:
	 * another process holds the guard of its job and scope, and the execution is still
	 * marked running, so that process runs it (one whose process died leaves the guard
	 * free). Not another run of the job: the execution itself.
	 * @param restarting the execution a restart resumes, or null
	 * @return whether it was still running, and the refusal logged
	 */
	private boolean refusedAsStillRunning(JobExecution restarting) {
		if (restarting == null) {
			return false;
		}
		JobExecution current = this.jobRepository.getJobExecution(restarting.getId());
		if (current == null) {
			return false;
		}
		String job = current.getJobInstance().getJobName();
		long id = current.getId();
		if (!current.isRunning()) {
			// its run may have gone on as a later execution, which that process runs
			JobExecution latest = this.jobRepository.getLastJobExecution(current.getJobInstance());
			if (latest == null || latest.getId() == id || !latest.isRunning()) {
				return false;
			}
			logger.error("Cannot restart {} execution {}: its run goes on as execution {}, still running ({}) in"
					+ " another process; nothing was started. 'status' shows it; if it ends FAILED or STOPPED, restart"
					+ " {} to resume the run", job, id, latest.getId(), latest.getStatus(), latest.getId());
			return true;
		}
		if (current.getStatus() == BatchStatus.STOPPING) {
			logger.error("Cannot restart {} execution {}: it is still running in another process, asked to stop"
					+ " after its current chunk (STOPPING); nothing was started. Wait for it to end STOPPED ('status'"
					+ " shows it), then restart {} to resume it where it stopped", job, id, id);
		}
		else {
			logger.error("Cannot restart {} execution {}: it is still running ({}) in another process; nothing was"
					+ " started. Wait for it to end, or stop it first ('stop {}': it ends STOPPED after its current"
					+ " chunk) and then restart {} to resume it where it stopped; 'status' shows it", job, id,
					current.getStatus(), id, id);
		}
		return true;
	}

	/** The guard scope of a run: its shard, or all of the job's work. */
	private static String scope(Map<String, String> parameters) {
		return parameters.getOrDefault("shard", JobRunGuard.ALL);
	}

	/**
	 * Starts or restarts an execution and waits for its end, or finds that nothing is
	 * left to run.
	 */
	@FunctionalInterface
	private interface Launch {

		Outcome launch() throws Exception;

	}

	/** The outcome of a run that started or restarted {@code execution}, now ended. */
	private static Outcome ended(JobExecution execution) {
		return new Outcome(execution, exitCode(execution));
	}

	/**
	 * Asks every execution this runner is running to stop after its current chunk, and
	 * only those: another process's run of the same job (another shard) goes on.
	 * @return whether an execution was asked to stop
	 */
	public boolean stopRunning() throws Exception {
		boolean stopped = false;
		for (Running run : List.copyOf(this.running)) {
			for (Long id : this.jobOperator.getRunningExecutions(run.job())) {
				JobExecution execution = this.jobRepository.getJobExecution(id);
				if (execution == null || !sameParameters(execution.getJobParameters(), run.parameters())) {
					continue;
				}
				logger.info("Stopping {} execution {} after its current chunk; rerun the same command to resume it",
						run.job(), id);
				if (askToStop(id)) {
					stopped = true;
				}
				else {
					// it ended since it was read, or was asked to stop already: its
					// status above is stale
					logger.info("{} execution {} ended, or was asked to stop, before it could be stopped", run.job(),
							id);
				}
			}
		}
		return stopped;
	}

	/**
	 * Asks the executions of a run whose guard another run took to stop after their
	 * current chunk: those this run launched, never the other run's, which may have the
	 * same job and parameters (the same command run again, which restarted this run's
	 * execution after marking it FAILED).
	 */
	private void stopLost(Running run) {
		if (run.executions().isEmpty()) {
			logger.warn("Found no execution of {} to stop", run.job());
		}
		for (Long id : run.executions()) {
			try {
				logger.info("Stopping {} execution {} after its current chunk; rerun the same command to resume it",
						run.job(), id);
				if (!askToStop(id)) {
					logger.warn("{} execution {} is no longer running in the job repository (the run that took its"
							+ " guard marks it FAILED): it fails at its next chunk", run.job(), id);
				}
			}
			catch (Exception ex) {
				logger.error("Could not stop {} execution {}", run.job(), id, ex);
			}
		}
	}

	/**
	 * Records an execution that starts in this process in the run launching it: the job
	 * runs in the launching thread.
	 */
	@Override
	public void beforeJob(JobExecution execution) {
		Running run = this.launching.get();
		if (run != null) {
			run.executions().add(execution.getId());
		}
	}

	/** The parameters of an execution as a run is given them: without its run id. */
	private static Map<String, String> parameters(JobParameters parameters) {
		Map<String, String> named = new LinkedHashMap<>();
		parameters.parameters()
			.stream()
			.filter((p) -> !p.name().equals(RUN_ID))
			.forEach((p) -> named.put(p.name(), String.valueOf(p.value())));
		return named;
	}

	private JobParameters withRunId(String jobName, Map<String, String> parameters) {
		long runId = instanceCount(jobName) + 1;
		JobParametersBuilder builder = new JobParametersBuilder();
		parameters.forEach((name, value) -> builder.addString(name, value, !name.equals(COMMAND)));
		return builder.addLong(RUN_ID, runId).toJobParameters();
	}

	private long instanceCount(String jobName) {
		try {
			return this.jobRepository.getJobInstanceCount(jobName);
		}
		catch (NoSuchJobException ex) {
			return 0;
		}
	}

	/**
	 * The last execution of the newest run with these parameters, marked FAILED first
	 * when it is still marked running (the caller holds the guard: no live process runs
	 * it), or null when no run of the job has them, however many runs of it came since.
	 */
	private JobExecution findLast(String jobName, Map<String, String> parameters) {
		List<Long> found = this.jdbc.queryForList(NEWEST_WITH_PARAMETERS, Long.class, jobName, RUN_ID,
				parameters.size(), parameters.keySet().toArray(String[]::new),
				parameters.values().toArray(String[]::new), parameters.size());
		if (found.isEmpty()) {
			return null;
		}
		JobExecution last = this.jobRepository.getJobExecution(found.get(0));
		return last.isRunning() ? recoverDead(last) : last;
	}

	/**
	 * Marks FAILED an execution still marked running that no process runs: the caller
	 * holds the guard of its job and scope.
	 */
	private JobExecution recoverDead(JobExecution execution) {
		logger.warn("{} execution {} is marked {} but its process is gone; marking it FAILED",
				execution.getJobInstance().getJobName(), execution.getId(), execution.getStatus());
		return this.jobOperator.recover(execution);
	}

	private static boolean sameParameters(JobParameters actual, Map<String, String> expected) {
		long named = actual.parameters().stream().filter((p) -> !p.name().equals(RUN_ID)).count();
		if (named != expected.size()) {
			return false;
		}
		return expected.entrySet().stream().allMatch((entry) -> {
			JobParameter<?> given = actual.getParameter(entry.getKey());
			return given != null && Objects.equals(String.valueOf(given.value()), entry.getValue());
		});
	}

	private static ExitCode exitCode(JobExecution execution) {
		if (execution.getAllFailureExceptions().stream().anyMatch(JobRunner::isReplicaLag)) {
			return ExitCode.REPLICA_LAGGING;
		}
		return switch (execution.getStatus()) {
			case COMPLETED -> ExitCode.COMPLETED;
			case STOPPED, STOPPING -> ExitCode.STOPPED;
			default -> ExitCode.FAILED;
		};
	}

	private static boolean isReplicaLag(Throwable failure) {
		return Causes.anyMatch(failure, ReplicaLagException.class::isInstance);
	}

	/**
	 * How a run ended.
	 *
	 * @param execution the job execution this run started or restarted, or {@code null}
	 * when none started
	 * @param exitCode what the process should exit with
	 * @param completedBefore for a schedule's firing that was not run again
	 * ({@link #runForFiring}), the earlier execution that completed it; otherwise
	 * {@code null}
	 */
	public record Outcome(JobExecution execution, ExitCode exitCode, JobExecution completedBefore) {

		/**
		 * How a run that started or restarted {@code execution} (or, when {@code null},
		 * none) ended.
		 */
		public Outcome(JobExecution execution, ExitCode exitCode) {
			this(execution, exitCode, null);
		}

		/**
		 * A firing that {@code earlier} completed: nothing ran, and the run completed.
		 */
		static Outcome alreadyCompleted(JobExecution earlier) {
			return new Outcome(null, ExitCode.COMPLETED, earlier);
		}

	}

	/**
	 * A run of this process: the job and the parameters it was launched with (the guard
	 * lets one run of a job and parameters in at a time), and the executions it started.
	 */
	private static final class Running {

		private final String job;

		private final Map<String, String> parameters;

		private final Set<Long> executions = ConcurrentHashMap.newKeySet();

		Running(String job, Map<String, String> parameters) {
			this.job = job;
			this.parameters = parameters;
		}

		String job() {
			return this.job;
		}

		Map<String, String> parameters() {
			return this.parameters;
		}

		Set<Long> executions() {
			return this.executions;
		}

	}

}
