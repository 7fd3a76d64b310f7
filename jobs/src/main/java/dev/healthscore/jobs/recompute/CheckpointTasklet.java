package dev.healthscore.jobs.recompute;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;

import javax.sql.DataSource;

import dev.healthscore.io.reading.UserShards;
import dev.healthscore.schedules.ScoreDateWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Records, when a recompute scored every user of its range (or of its shard), a
 * checkpoint for incremental reconcile: every score of the range (of the shard's users)
 * reflected the changes of its inputs made before the oldest {@code inputs_as_of} of its
 * rows. Reconcile counts a shard's checkpoint once every shard of the same count covers
 * the day. A day that nothing covers is one that may have been scored for some users only
 * ({@code --users}, some shards), and reconcile looks there for every user-day with input
 * readings and no row. With {@code as-of} (the nightly run), the checkpoint stops at the
 * last day that had ended in every time zone: later days of the range were left, for some
 * users, to the next run.
 */
class CheckpointTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(CheckpointTasklet.class);

	private final JdbcTemplate jdbc;

	CheckpointTasklet(DataSource dataSource) {
		this.jdbc = new JdbcTemplate(dataSource);
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext context) {
		Map<String, Object> parameters = context.getStepContext().getJobParameters();
		long jobExecutionId = context.getStepContext().getStepExecution().getJobExecutionId();
		LocalDate from = LocalDate.parse((String) parameters.get("from"));
		LocalDate to = LocalDate.parse((String) parameters.get("to"));
		String users = (String) parameters.get("users");
		Shard shard = Shard.parse((String) parameters.get("shard"));
		if (users != null && !users.isBlank()) {
			logger.info("Job execution {} scored the listed users only: no reconcile checkpoint for {}..{}",
					jobExecutionId, from, to);
			return RepeatStatus.FINISHED;
		}
		String asOf = (String) parameters.get(RecomputeOptions.AS_OF);
		LocalDate last = to;
		if (asOf != null) {
			LocalDate ended = ScoreDateWindow.lastEndedEverywhere(Instant.parse(asOf));
			last = ended.isBefore(to) ? ended : to;
		}
		if (last.isBefore(from)) {
			logger.info(
					"Job execution {}: no day of {}..{} had ended in every time zone at {}: no reconcile checkpoint",
					jobExecutionId, from, to, asOf);
			return RepeatStatus.FINISHED;
		}
		Timestamp oldest = this.jdbc
			.queryForObject("SELECT min(inputs_as_of) FROM health_score WHERE score_date BETWEEN ? AND ?"
					+ UserShards.condition(shard.index(), shard.count()), Timestamp.class, from, last);
		if (oldest == null) {
			// no row: reconcile counts every reading of a day without any
			logger.info("Job execution {}: no score in {}..{}: no reconcile checkpoint", jobExecutionId, from, last);
			return RepeatStatus.FINISHED;
		}
		this.jdbc.update("""
				INSERT INTO reconcile_checkpoint (job_execution_id, first_day, last_day, changes_as_of, full_check,
				                                  written_by, shard_index, shard_count)
				VALUES (?, ?, ?, ?, false, 'recompute', ?, ?)
				ON CONFLICT (job_execution_id) DO NOTHING""", jobExecutionId, from, last, oldest, shard.index(),
				shard.count());
		logger.info("Job execution {} scored every user{} of {}..{}: reconcile checkpoint as of {}", jobExecutionId,
				(shard.count() > 1) ? " of shard " + shard : "", from, last, oldest.toInstant());
		return RepeatStatus.FINISHED;
	}

}
