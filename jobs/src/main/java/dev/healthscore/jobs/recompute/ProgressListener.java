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
 * users and user-days done, readings per second, and an estimate of the time left.
 * <p>
 * Listens to the worker steps, which share one progress per job execution, and to the
 * job, whose end forgets that progress however the job ended: the scheduler process runs
 * job after job with the same listener.
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
		this.byJobExecution.computeIfAbsent(stepExecution.getJobExecutionId(),
				(id) -> new Progress(id, this.totalUsers.applyAsLong(stepExecution)));
	}

	@Override
	public void beforeChunk(Chunk<ScoringWork> chunk) {
		Progress progress = current();
		if (progress != null) {
			long readings = 0;
			for (ScoringWork work : chunk) {
				readings += work.inputs().readings().size();
			}
			progress.read(readings);
		}
	}

	@Override
	public void afterChunk(Chunk<ScoredUser> chunk) {
		Progress progress = current();
		if (progress != null) {
			long userDays = 0;
			long unknown = 0;
			for (ScoredUser user : chunk) {
				userDays += user.result().scores().size();
				if (unknownUser(user.result())) {
					unknown++;
				}
			}
			progress.written(chunk.size() - unknown, unknown, userDays, this.intervalNanos);
		}
	}

	@Override
	public ExitStatus afterStep(StepExecution stepExecution) {
		Progress progress = this.byJobExecution.get(stepExecution.getJobExecutionId());
		if (progress != null) {
			progress.log(stepExecution.getStepName() + " " + stepExecution.getStatus());
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

	private Progress current() {
		var context = StepSynchronizationManager.getContext();
		return (context != null) ? this.byJobExecution.get(context.getStepExecution().getJobExecutionId()) : null;
	}

	/** The progress of one job execution, over all its partitions. */
	private static final class Progress {

		private final long jobExecutionId;

		private final long totalUsers;

		private final long started = System.nanoTime();

		private long lastLogged = this.started;

		private long users;

		private long unknownUsers;

		private long userDays;

		private long readings;

		Progress(long jobExecutionId, long totalUsers) {
			this.jobExecutionId = jobExecutionId;
			this.totalUsers = totalUsers;
		}

		synchronized void read(long readings) {
			this.readings += readings;
		}

		synchronized void written(long users, long unknownUsers, long userDays, long intervalNanos) {
			this.users += users;
			this.unknownUsers += unknownUsers;
			this.userDays += userDays;
			if (System.nanoTime() - this.lastLogged >= intervalNanos) {
				log("progress");
			}
		}

		synchronized void log(String what) {
			long now = System.nanoTime();
			this.lastLogged = now;
			double seconds = Math.max(1e-9, (now - this.started) / 1e9);
			double usersPerSecond = this.users / seconds;
			long left = Math.max(0, this.totalUsers - this.users);
			String eta = (usersPerSecond > 0) ? Math.round(left / usersPerSecond) + " s" : "unknown";
			String unknown = (this.unknownUsers > 0)
					? " (and the readings of " + this.unknownUsers
							+ ((this.unknownUsers == 1) ? " user id" : " user ids") + " not in app_user, quarantined)"
					: "";
			logger.info(
					"Job execution {} {}: {}/{} users{}, {} user-days, {} readings in {} s; {} user-days/s, {} readings/s, ETA {}",
					this.jobExecutionId, what, this.users, this.totalUsers, unknown, this.userDays, this.readings,
					Math.round(seconds), Math.round(this.userDays / seconds), Math.round(this.readings / seconds), eta);
		}

	}

}
