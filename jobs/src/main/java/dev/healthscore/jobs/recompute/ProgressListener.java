package dev.healthscore.jobs.recompute;

import java.time.Duration;
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
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;

/**
 * Logs a recompute's progress every few seconds, summed over its parallel partitions:
 * users and user-days done, readings per second, and an estimate of the time left; and
 * when each partition ends, that partition's own counts, then, once the partitioned step
 * has ended, the job's.
 * <p>
 * Listens to the worker steps, which share one progress per job execution, to the
 * partitioned step, and to the job, whose end forgets that progress however the job
 * ended: the scheduler process runs job after job with the same listener.
 */
class ProgressListener implements ChunkListener<ScoringWork, ScoredUser>, StepExecutionListener, JobExecutionListener {

	private static final Logger logger = LoggerFactory.getLogger(ProgressListener.class);

	private final ToLongFunction<StepExecution> totalUsers;

	private final long intervalNanos;

	private final Map<Long, Progress> byJobExecution = new ConcurrentHashMap<>();

	/**
	 * Creates a listener.
	 * @param totalUsers how many users a job execution will score, given one of its steps
	 */
	ProgressListener(ToLongFunction<StepExecution> totalUsers, Duration interval) {
		this.totalUsers = totalUsers;
		this.intervalNanos = interval.toNanos();
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		Progress progress = this.byJobExecution.computeIfAbsent(stepExecution.getJobExecutionId(),
				(id) -> new Progress(id, this.totalUsers.applyAsLong(stepExecution)));
		if (isPartition(stepExecution)) {
			progress.partitions.put(stepExecution.getId(), new Counts());
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
			progress.read(step.getId(), readings);
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
			progress.written(step.getId(), chunk.size() - unknown, unknown, userDays, this.intervalNanos);
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

	/** What a job execution, or one partition of it, has done since it started. */
	private static final class Counts {

		private final long started = System.nanoTime();

		private long users;

		private long unknownUsers;

		private long userDays;

		private long readings;

		void written(long users, long unknownUsers, long userDays) {
			this.users += users;
			this.unknownUsers += unknownUsers;
			this.userDays += userDays;
		}

		double seconds(long now) {
			return Math.max(1e-9, (now - this.started) / 1e9);
		}

		/** The readings of user ids not in {@code app_user}, when there were some. */
		String unknown() {
			return (this.unknownUsers > 0)
					? " (and the readings of " + this.unknownUsers
							+ ((this.unknownUsers == 1) ? " user id" : " user ids") + " not in app_user, quarantined)"
					: "";
		}

	}

	/** The progress of one job execution, over all its partitions, and of each. */
	private static final class Progress {

		private final long jobExecutionId;

		private final long totalUsers;

		private final Counts total = new Counts();

		/** The counts of each partition running, by its step execution id. */
		private final Map<Long, Counts> partitions = new ConcurrentHashMap<>();

		private long lastLogged = this.total.started;

		Progress(long jobExecutionId, long totalUsers) {
			this.jobExecutionId = jobExecutionId;
			this.totalUsers = totalUsers;
		}

		synchronized void read(long stepExecutionId, long readings) {
			this.total.readings += readings;
			Counts partition = this.partitions.get(stepExecutionId);
			if (partition != null) {
				partition.readings += readings;
			}
		}

		synchronized void written(long stepExecutionId, long users, long unknownUsers, long userDays,
				long intervalNanos) {
			this.total.written(users, unknownUsers, userDays);
			Counts partition = this.partitions.get(stepExecutionId);
			if (partition != null) {
				partition.written(users, unknownUsers, userDays);
			}
			if (System.nanoTime() - this.lastLogged >= intervalNanos) {
				log("progress");
			}
		}

		/** Logs the counts of the whole job execution so far, with the time left. */
		synchronized void log(String what) {
			long now = System.nanoTime();
			this.lastLogged = now;
			Counts counts = this.total;
			double seconds = counts.seconds(now);
			double usersPerSecond = counts.users / seconds;
			long left = Math.max(0, this.totalUsers - counts.users);
			String eta = (usersPerSecond > 0) ? Math.round(left / usersPerSecond) + " s" : "unknown";
			logger.info(
					"Job execution {} {}: {}/{} users{}, {} user-days, {} readings in {} s; {} user-days/s, {} readings/s, ETA {}",
					this.jobExecutionId, what, counts.users, this.totalUsers, counts.unknown(), counts.userDays,
					counts.readings, Math.round(seconds), Math.round(counts.userDays / seconds),
					Math.round(counts.readings / seconds), eta);
		}

		/** Logs the counts of one partition, which has ended, and forgets them. */
		synchronized void logPartition(long stepExecutionId, String what) {
			Counts counts = this.partitions.remove(stepExecutionId);
			if (counts == null) {
				return;
			}
			double seconds = counts.seconds(System.nanoTime());
			logger.info(
					"Job execution {} {}: {} users{}, {} user-days, {} readings of this partition in {} s; {} user-days/s,"
							+ " {} readings/s",
					this.jobExecutionId, what, counts.users, counts.unknown(), counts.userDays, counts.readings,
					Math.round(seconds), Math.round(counts.userDays / seconds), Math.round(counts.readings / seconds));
		}

	}

}
