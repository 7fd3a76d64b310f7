package dev.healthscore.jobs.scheduler;

import javax.sql.DataSource;

import dev.healthscore.jobs.cli.JobRunGuard;
import dev.healthscore.schedules.ScheduledJobLauncher;
import dev.healthscore.schedules.Schedules;
import dev.healthscore.schedules.quartz.QuartzSchedules;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;

/**
 * Registers the catalogue in a clustered scheduler whose JDBC job store is Spring's
 * {@code LocalDataSourceJobStore}, one node at a time.
 *
 * <p>
 * That job store takes Quartz's row locks on the caller's connection. Outside a
 * transaction each lock ends with its statement, so two nodes starting at once both found
 * a schedule missing and both inserted its job: the second node failed on a duplicate key
 * and exited. Here the whole registration is one transaction on the job store's database,
 * which first takes a transaction-level advisory lock: the second node waits, then finds
 * the first node's schedules and keeps them.
 */
public final class ScheduleRegistration {

	/** The name of the advisory lock, in the namespace of {@link JobRunGuard}'s. */
	static final String LOCK = "scheduler/register";

	private ScheduleRegistration() {
	}

	/**
	 * Registers the catalogue, see {@link QuartzSchedules#register}.
	 * @param dataSource the database of the scheduler's job store, as given to it
	 * @param scheduler the scheduler
	 * @param schedules the catalogue
	 * @param launcher what runs each job
	 * @throws SchedulerException when the scheduler refuses a change
	 */
	public static void register(DataSource dataSource, Scheduler scheduler, Schedules schedules,
			ScheduledJobLauncher launcher) throws SchedulerException {
		DataSourceTransactionManager transactions = new DataSourceTransactionManager(dataSource);
		TransactionStatus transaction = transactions.getTransaction(TransactionDefinition.withDefaults());
		try {
			new JdbcTemplate(dataSource).query("SELECT pg_advisory_xact_lock(?, ?)", (rs) -> null,
					JobRunGuard.lockNamespace(), JobRunGuard.lockKey(LOCK));
			QuartzSchedules.register(scheduler, schedules, launcher);
		}
		catch (SchedulerException | RuntimeException ex) {
			transactions.rollback(transaction);
			throw ex;
		}
		transactions.commit(transaction);
	}

}
