package dev.healthscore.jobs.recompute;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

import dev.healthscore.io.reading.ScoringWork;
import dev.healthscore.io.score.ScoredUser;
import dev.healthscore.scoring.RejectionReason;
import dev.healthscore.scoring.UserScores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.ChunkListener;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Logs a recompute's progress every few seconds, summed over its parallel partitions:
 * users and user-days done, readings per second, and an estimate of the time left; and
 * when each partition ends, that partition's own counts, then, once the partitioned step
 * has ended, the job's. An execution that resumes its job instance (a restart) adds the
 * instance's counts: its earlier executions' and its own.
 * <p>
 * Each partition keeps its counts in its execution context, committed with each chunk as
 * its reader's position is, where a later execution of the instance finds them. A chunk
 * counts once its transaction has committed: one that rolled back (a failed write) is
 * left out of the counts, as it is out of the execution context and the database, and
 * said apart. Listens to the worker steps, which share one progress per job execution, to
 * the partitioned step, and to the job, whose end forgets that progress however the job
 * ended: the scheduler process runs job after job with the same listener.
 */
class ProgressListener implements ChunkListener<ScoringWork, ScoredUser>, StepExecutionListener, JobExecutionListener {

	private static final Logger logger = LoggerFactory.getLogger(ProgressListener.class);

	private final ToLongFunction<StepExecution> totalUsers;

	private final JobRepository jobRepository;

	private final long intervalNanos;

	private final Map<Long, Progress> byJobExecution = new ConcurrentHashMap<>();

	/**
	 * Creates a listener.
	 * @param totalUsers how many users a job instance scores, given one of its steps
	 * @param jobRepository where the earlier executions of a restarted job instance are
	 */
	ProgressListener(ToLongFunction<StepExecution> totalUsers, JobRepository jobRepository, Duration interval) {
		this.totalUsers = totalUsers;
		this.jobRepository = jobRepository;
		this.intervalNanos = interval.toNanos();
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		Progress progress = this.byJobExecution.computeIfAbsent(stepExecution.getJobExecutionId(),
				(id) -> new Progress(id, this.totalUsers.applyAsLong(stepExecution),
						earlier(stepExecution.getJobExecution())));
		if (isPartition(stepExecution)) {
			ProgressCounts counts = new ProgressCounts();
			progress.partitions.put(stepExecution.getId(), counts);
			// a restarted partition starts with its last execution's context, counts
			// included
			counts.save(stepExecution.getExecutionContext());
		}
	}

	@Override
	public void beforeChunk(Chunk<ScoringWork> chunk) {
		StepExecution step = currentStep();
		Progress progress = progress(step);
		if (progress != null) {
			long readings = 0;
			for (ScoringWork work : chunk) {
				readings += work.inputs().readings().size();
			}
			progress.begin(step.getId(), chunk.size(), readings);
			// the chunk counts once its transaction has committed: a write that fails, or
			// a commit, rolls it back after the chunk listeners have seen it
			if (TransactionSynchronizationManager.isSynchronizationActive()) {
				TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
					@Override
					public void afterCompletion(int status) {
						progress.end(step, status == STATUS_COMMITTED, ProgressListener.this.intervalNanos);
					}
				});
			}
		}
	}

	@Override
	public void afterChunk(Chunk<ScoredUser> chunk) {
		StepExecution step = currentStep();
		Progress progress = progress(step);
		if (progress != null) {
			long userDays = 0;
			long unknown = 0;
			for (ScoredUser user : chunk) {
				userDays += user.result().scores().size();
				if (unknownUser(user.result())) {
					unknown++;
				}
			}
			progress.written(step, chunk.size() - unknown, unknown, userDays);
			if (!TransactionSynchronizationManager.isSynchronizationActive()) {
				progress.end(step, true, this.intervalNanos);
			}
		}
	}

	@Override
	public ExitStatus afterStep(StepExecution stepExecution) {
		Progress progress = this.byJobExecution.get(stepExecution.getJobExecutionId());
		if (progress != null) {
			String what = stepExecution.getStepName() + " " + stepExecution.getStatus();
			if (isPartition(stepExecution)) {
				progress.logPartition(stepExecution.getId(), what);
			}
			else {
				progress.log(what);
			}
		}
		return null;
	}

	/**
	 * Forgets the job execution's progress: called when the job ends, completed, failed
	 * or stopped, after every one of its steps.
	 */
	@Override
	public void afterJob(JobExecution jobExecution) {
		this.byJobExecution.remove(jobExecution.getId());
	}

	/**
	 * What the executions of a job instance before this one did, as their partitions'
	 * execution contexts say: none for the first execution.
	 */
	private Earlier earlier(JobExecution current) {
		ProgressCounts counts = new ProgressCounts();
		List<JobExecution> executions = this.jobRepository.getJobExecutions(current.getJobInstance())
			.stream()
			.filter((execution) -> execution.getId() < current.getId())
			.sorted((a, b) -> Long.compare(a.getId(), b.getId()))
			.toList();
		for (JobExecution execution : executions) {
			for (StepExecution step : execution.getStepExecutions()) {
				if (isPartition(step)) {
					counts.add(step.getExecutionContext());
				}
			}
		}
		return new Earlier(current.getJobInstanceId(), executions.stream().map(JobExecution::getId).toList(), counts);
	}

	/**
	 * Whether the step is one partition of the partitioned step: Spring Batch names it
	 * {@code <worker step>:<partition>}.
	 */
	private static boolean isPartition(StepExecution stepExecution) {
		return stepExecution.getStepName().contains(":");
	}

	/**
	 * Whether the item is the readings of a user id that {@code app_user} does not hold:
	 * the reader hands them out to be quarantined, and the total, counted in
	 * {@code app_user}, does not include them. Every reading of such an id is rejected
	 * for it, and no reading of a user that exists is.
	 */
	private static boolean unknownUser(UserScores result) {
		return result.scores().isEmpty() && !result.rejections().isEmpty()
				&& result.rejections().get(0).reason() == RejectionReason.UNKNOWN_USER;
	}

	/** How many job executions have a progress: those running. */
	int tracked() {
		return this.byJobExecution.size();
	}

	private static StepExecution currentStep() {
		var context = StepSynchronizationManager.getContext();
		return (context != null) ? context.getStepExecution() : null;
	}

	private Progress progress(StepExecution step) {
		return (step != null) ? this.byJobExecution.get(step.getJobExecutionId()) : null;
	}

	/**
	 * What the earlier executions of a job instance did.
	 *
	 * @param jobInstanceId the job instance
	 * @param executions their ids, in order; none for an instance's first execution
	 * @param counts what they did, summed
	 */
	private record Earlier(long jobInstanceId, List<Long> executions, ProgressCounts counts) {

		/**
		 * How the instance's log line names them: {@code execution 8},
		 * {@code executions 8, 9}.
		 */
		String named() {
			return ((this.executions.size() == 1) ? "execution " : "executions ")
					+ String.join(", ", this.executions.stream().map(String::valueOf).toList());
		}

	}

	/** The progress of one job execution, over all its partitions, and of each. */
	private static final class Progress {

		private final long jobExecutionId;

		private final long totalUsers;

		private final Earlier earlier;

		private final ProgressCounts total = new ProgressCounts();

		/** The counts of each partition running, by its step execution id. */
		private final Map<Long, ProgressCounts> partitions = new ConcurrentHashMap<>();

		/** The chunk each partition has in its transaction, by its step execution id. */
		private final Map<Long, OpenChunk> chunks = new ConcurrentHashMap<>();

		private long lastLogged = this.total.started();

		Progress(long jobExecutionId, long totalUsers, Earlier earlier) {
			this.jobExecutionId = jobExecutionId;
			this.totalUsers = totalUsers;
			this.earlier = earlier;
		}

		/** Starts a partition's chunk, which counts once its transaction commits. */
		synchronized void begin(long stepExecutionId, long items, long readings) {
			OpenChunk chunk = new OpenChunk(items);
			chunk.counts.read(readings);
			this.chunks.put(stepExecutionId, chunk);
		}

		/**
		 * Adds what the partition's chunk wrote to it, and puts the partition's counts,
		 * this chunk's included, in its execution context, which the step commits with
		 * the chunk.
		 */
		synchronized void written(StepExecution step, long users, long unknownUsers, long userDays) {
			OpenChunk chunk = this.chunks.get(step.getId());
			if (chunk == null) {
				return;
			}
			chunk.counts.written(users, unknownUsers, userDays);
			ProgressCounts partition = this.partitions.get(step.getId());
			if (partition != null) {
				partition.plus(chunk.counts).save(step.getExecutionContext());
			}
		}

		/**
		 * Ends the partition's chunk: one that committed adds to the counts; one that
		 * rolled back is counted apart, and the partition's execution context gets back
		 * the counts of the chunks that committed, which a failed step saves.
		 */
		synchronized void end(StepExecution step, boolean committed, long intervalNanos) {
			OpenChunk chunk = this.chunks.remove(step.getId());
			if (chunk == null) {
				return;
			}
			ProgressCounts partition = this.partitions.get(step.getId());
			if (committed) {
				chunk.addTo(this.total);
				if (partition != null) {
					chunk.addTo(partition);
				}
				if (System.nanoTime() - this.lastLogged >= intervalNanos) {
					log("progress");
				}
				return;
			}
			this.total.rolledBack(chunk.items, chunk.counts.readings());
			if (partition != null) {
				partition.rolledBack(chunk.items, chunk.counts.readings());
				partition.save(step.getExecutionContext());
			}
		}

		/**
		 * Logs the counts of the whole job execution so far, with the time left; for a
		 * restart, then the job instance's, its earlier executions' included.
		 */
		synchronized void log(String what) {
			long now = System.nanoTime();
			this.lastLogged = now;
			ProgressCounts counts = this.total;
			double seconds = counts.seconds(now);
			double usersPerSecond = counts.users() / seconds;
			long left = Math.max(0, this.totalUsers - this.earlier.counts().users() - counts.users());
			String eta = eta(what, left, usersPerSecond);
			if (this.earlier.executions().isEmpty()) {
				logger.info(
						"Job execution {} {}: {}/{} users{}, {} user-days, {} readings{} in {} s; {} user-days/s, {} readings/s,"
								+ " ETA {}",
						this.jobExecutionId, what, counts.users(), this.totalUsers, counts.unknown(), counts.userDays(),
						counts.readings(), counts.rolledBack(), Math.round(seconds),
						Math.round(counts.userDays() / seconds), Math.round(counts.readings() / seconds), eta);
				return;
			}
			ProgressCounts all = this.earlier.counts().plus(counts);
			logger.info(
					"Job execution {} {}: {} users{}, {} user-days, {} readings{} in this execution in {} s; {} user-days/s,"
							+ " {} readings/s, ETA {}; job instance {} with {} before it: {}/{} users{}, {} user-days,"
							+ " {} readings",
					this.jobExecutionId, what, counts.users(), counts.unknown(), counts.userDays(), counts.readings(),
					counts.rolledBack(), Math.round(seconds), Math.round(counts.userDays() / seconds),
					Math.round(counts.readings() / seconds), eta, this.earlier.jobInstanceId(), this.earlier.named(),
					all.users(), this.totalUsers, all.unknown(), all.userDays(), all.readings());
		}

		/**
		 * The time left: none once the step has ended (it said "0 s" about a failed
		 * execution with users left), and never "0 s" while users are left.
		 */
		private static String eta(String what, long left, double usersPerSecond) {
			if (!what.equals("progress") && left > 0) {
				return "none: it ended with " + left + ((left == 1) ? " user" : " users") + " left";
			}
			if (left == 0) {
				return "0 s";
			}
			if (usersPerSecond <= 0) {
				return "unknown";
			}
			long seconds = Math.round(left / usersPerSecond);
			return (seconds > 0) ? seconds + " s" : "under 1 s";
		}

		/** Logs the counts of one partition, which has ended, and forgets them. */
		synchronized void logPartition(long stepExecutionId, String what) {
			ProgressCounts counts = this.partitions.remove(stepExecutionId);
			if (counts == null) {
				return;
			}
			double seconds = counts.seconds(System.nanoTime());
			logger.info(
					"Job execution {} {}: {} users{}, {} user-days, {} readings of this partition{} in {} s;"
							+ " {} user-days/s, {} readings/s",
					this.jobExecutionId, what, counts.users(), counts.unknown(), counts.userDays(), counts.readings(),
					counts.rolledBack(), Math.round(seconds), Math.round(counts.userDays() / seconds),
					Math.round(counts.readings() / seconds));
		}

	}

	/**
	 * A partition's chunk in its transaction: how many items it holds, and what it read
	 * and wrote.
	 */
	private static final class OpenChunk {

		private final long items;

		private final ProgressCounts counts = new ProgressCounts();

		OpenChunk(long items) {
			this.items = items;
		}

		void addTo(ProgressCounts into) {
			into.read(this.counts.readings());
			into.written(this.counts.users(), this.counts.unknownUsers(), this.counts.userDays());
		}

	}

}
