package dev.healthscore.jobs.reconcile;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.healthscore.io.Durations;
import dev.healthscore.jobs.cli.JobTimes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.BatchStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;

/**
 * Drops the suspects that no reconcile run will read again: those of runs that ended
 * (completed or abandoned), of runs the job repository no longer holds, and of failed or
 * stopped runs not resumed within the retention, which are marked ABANDONED first so that
 * they never resume without them. A failed or stopped run within the retention keeps its
 * suspects: its restart skips the detection and scores what it found.
 * <p>
 * Runs in the transaction of a completing reconcile run, which holds the guard of every
 * reconcile: no other reconcile run is live meanwhile.
 */
class LeftoverSuspects {

	private static final Logger logger = LoggerFactory.getLogger(LeftoverSuspects.class);

	/**
	 * The job instances that hold suspects (one index probe each, however many rows they
	 * hold), but {@code ?}, each with its last execution's id, status and when it ended
	 * (or was last updated, for one still marked running); no execution when the
	 * repository does not hold the instance.
	 */
	private static final String HOLDERS = """
			WITH RECURSIVE holder AS (
				(SELECT job_instance_id FROM reconcile_suspect ORDER BY job_instance_id LIMIT 1)
				UNION ALL
				SELECT (SELECT s.job_instance_id FROM reconcile_suspect s WHERE s.job_instance_id > h.job_instance_id
						ORDER BY s.job_instance_id LIMIT 1)
				FROM holder h WHERE h.job_instance_id IS NOT NULL
			)
			SELECT h.job_instance_id, e.job_execution_id, e.status, coalesce(e.end_time, e.last_updated, e.create_time)
			FROM holder h
			LEFT JOIN LATERAL (
				SELECT x.job_execution_id, x.status, x.end_time, x.last_updated, x.create_time FROM batch_job_execution x
				WHERE x.job_instance_id = h.job_instance_id ORDER BY x.job_execution_id DESC LIMIT 1
			) e ON true
			WHERE h.job_instance_id IS NOT NULL AND h.job_instance_id <> ?""";

	private final JdbcTemplate jdbc;

	private final Duration retention;

	LeftoverSuspects(DataSource dataSource, Duration retention) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.retention = retention;
	}

	/**
	 * Drops the suspects no run will read again, but those of {@code ownInstance}.
	 * @param jobExecutionId the execution dropping them, for the log
	 * @param ownInstance the job instance of that execution
	 * @param now the time, as the job repository records it
	 * @return how many suspect rows were dropped
	 */
	int drop(long jobExecutionId, long ownInstance, LocalDateTime now) {
		LocalDateTime cutoff = now.minus(this.retention);
		List<Long> dropped = new ArrayList<>();
		this.jdbc.query(HOLDERS, (RowCallbackHandler) (rs) -> {
			long instance = rs.getLong(1);
			long execution = rs.getLong(2);
			if (rs.wasNull()) {
				dropped.add(instance);
				return;
			}
			BatchStatus status = BatchStatus.valueOf(rs.getString(3));
			Timestamp ended = rs.getTimestamp(4);
			if (status == BatchStatus.COMPLETED || status == BatchStatus.ABANDONED) {
				dropped.add(instance);
			}
			else if (ended.toLocalDateTime().isBefore(cutoff) && abandon(jobExecutionId, execution, status, ended)) {
				dropped.add(instance);
			}
		}, ownInstance);
		if (dropped.isEmpty()) {
			return 0;
		}
		int rows = this.jdbc.update("DELETE FROM reconcile_suspect WHERE job_instance_id = ANY(?::bigint[])",
				(Object) dropped.toArray(Long[]::new));
		logger.info("{} dropped {} suspect rows of {} earlier reconcile runs that no run resumes", jobExecutionId, rows,
				dropped.size());
		return rows;
	}

	/**
	 * Marks ABANDONED a failed or stopped execution, or one still marked running whose
	 * process died, that was not resumed within the retention: Spring Batch restarts no
	 * instance with an abandoned execution, so that neither {@code run} nor
	 * {@code restart} resumes it without its suspects (it would score none and record a
	 * checkpoint for its range).
	 */
	private boolean abandon(long jobExecutionId, long execution, BatchStatus status, Timestamp ended) {
		int updated = this.jdbc.update("""
				UPDATE batch_job_execution SET status = ?, version = version + 1, last_updated = ?
				WHERE job_execution_id = ? AND status = ?""", BatchStatus.ABANDONED.name(),
				Timestamp.valueOf(LocalDateTime.now()), execution, status.name());
		if (updated == 1) {
			logger.warn("reconcile {}: reconcile execution {} ({} since {}) was not resumed within {}"
					+ " (healthscore.reconcile.suspect-retention): marked ABANDONED and its suspects dropped; run its"
					+ " range again to reconcile it", jobExecutionId, execution, status,
					JobTimes.instant(ended.toLocalDateTime()), Durations.format(this.retention));
		}
		return updated == 1;
	}

}
