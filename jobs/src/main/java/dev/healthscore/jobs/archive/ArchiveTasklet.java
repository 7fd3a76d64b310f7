package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.jobs.archive.ArchivePlan.TableMonth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * The {@code archivePartitions} step: plans the table months at its first call, then
 * takes one month per call as far as it can go, so that the step commits once per month
 * and a stop request takes effect between months. A restarted step plans again from the
 * ledger. Restored months are archived again only when the run names them
 * ({@code --rearchive}).
 * <p>
 * Once the months are done the step reads the tables' {@code DEFAULT} partitions for rows
 * of months the archive took out or should have taken (see {@link DefaultPartitionRows}):
 * each is a warning, and the step ends {@code COMPLETED WITH WARNINGS}.
 * <p>
 * A month whose lock another session holds is passed over, and once the other months are
 * done the step fails, naming it: that session may be a restore of the month, or the
 * session of a run that died (SIGKILL) still finishing its last statement (a checksum, a
 * detach waiting for older transactions), which PostgreSQL ends only when it next speaks
 * to the client. A run that completed without the month would say it was archived; the
 * next run resumes it where it stands.
 */
final class ArchiveTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(ArchiveTasklet.class);

	private final DataSource dataSource;

	private final MonthArchiver archiver;

	private final YearMonth cutOff;

	private final Set<YearMonth> again;

	private final Map<ArchiveState, Integer> reached = new EnumMap<>(ArchiveState.class);

	private final List<TableMonth> skipped = new ArrayList<>();

	private List<TableMonth> plan;

	private int next;

	ArchiveTasklet(DataSource dataSource, MonthArchiver archiver, YearMonth cutOff, Set<YearMonth> again) {
		this.dataSource = dataSource;
		this.archiver = archiver;
		this.cutOff = cutOff;
		this.again = Set.copyOf(again);
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
		long jobExecutionId = contribution.getStepExecution().getJobExecutionId();
		if (this.plan == null) {
			try (Connection connection = this.dataSource.getConnection()) {
				this.plan = ArchivePlan.plan(connection, this.cutOff, this.again, jobExecutionId);
			}
		}
		if (this.next < this.plan.size()) {
			TableMonth month = this.plan.get(this.next++);
			contribution.incrementReadCount();
			ArchiveState state = this.archiver.archive(month.table(), month.month(), jobExecutionId,
					this.again.contains(month.month()));
			if (state != null) {
				this.reached.merge(state, 1, Integer::sum);
				contribution.incrementWriteCount(1);
			}
			else {
				this.skipped.add(month);
			}
		}
		if (this.next < this.plan.size()) {
			return RepeatStatus.CONTINUABLE;
		}
		logger.info("Job execution {}: archive of {} table months before {} done, states reached: {}", jobExecutionId,
				this.plan.size(), this.cutOff, this.reached);
		// after the months moved: a month detached or held by this run is reported too
		new DefaultPartitionRows().warn(logger, this.dataSource, this.cutOff, contribution);
		if (!this.skipped.isEmpty()) {
			throw new IllegalStateException("Job execution " + jobExecutionId + ": not archived: " + this.skipped
					+ ": another session holds their lock (a restore of the month, or the session of a run that died"
					+ " still finishing its last statement); run again to resume them");
		}
		return RepeatStatus.FINISHED;
	}

}
