package dev.healthscore.jobs.recompute;

import java.time.Duration;

import dev.healthscore.io.reading.ScoringWork;
import dev.healthscore.io.score.ScoredUser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.listener.ChunkListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;

/**
 * Logs a recompute's progress every few seconds: users and user-days done, readings per
 * second, and an estimate of the time left.
 */
class ProgressListener implements ChunkListener<ScoringWork, ScoredUser>, StepExecutionListener {

	private static final Logger logger = LoggerFactory.getLogger(ProgressListener.class);

	private final long totalUsers;

	private final long intervalNanos;

	private long started;

	private long lastLogged;

	private long users;

	private long userDays;

	private long readings;

	private String stepName;

	ProgressListener(long totalUsers, Duration interval) {
		this.totalUsers = totalUsers;
		this.intervalNanos = interval.toNanos();
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		this.started = System.nanoTime();
		this.lastLogged = this.started;
		this.stepName = stepExecution.getJobExecutionId() + "/" + stepExecution.getStepName();
	}

	@Override
	public void beforeChunk(Chunk<ScoringWork> chunk) {
		for (ScoringWork work : chunk) {
			this.readings += work.inputs().readings().size();
		}
	}

	@Override
	public void afterChunk(Chunk<ScoredUser> chunk) {
		for (ScoredUser user : chunk) {
			this.users++;
			this.userDays += user.result().scores().size();
		}
		long now = System.nanoTime();
		if (now - this.lastLogged >= this.intervalNanos) {
			this.lastLogged = now;
			log(now, "progress");
		}
	}

	@Override
	public org.springframework.batch.core.ExitStatus afterStep(StepExecution stepExecution) {
		log(System.nanoTime(), "done");
		return null;
	}

	private void log(long now, String what) {
		double seconds = Math.max(1e-9, (now - this.started) / 1e9);
		double usersPerSecond = this.users / seconds;
		long left = Math.max(0, this.totalUsers - this.users);
		String eta = (usersPerSecond > 0) ? Math.round(left / usersPerSecond) + " s" : "unknown";
		logger.info("{} {}: {}/{} users, {} user-days, {} readings in {} s; {} user-days/s, {} readings/s, ETA {}",
				this.stepName, what, this.users, this.totalUsers, this.userDays, this.readings, Math.round(seconds),
				Math.round(this.userDays / seconds), Math.round(this.readings / seconds), eta);
	}

}
