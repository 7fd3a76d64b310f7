package dev.healthscore.jobs.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Comparator;

import javax.sql.DataSource;

import dev.healthscore.jobs.EveryJobListeners.EveryJobListener;
import dev.healthscore.schedules.JobNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.stereotype.Component;

/**
 * Lets one process at a time run a schedule's {@link Firing}, so that a second delivery
 * of a firing another process is running ends at once with nothing to do: a PostgreSQL
 * session advisory lock on the primary, keyed by the firing's command line and time,
 * taken before anything of the firing starts and held until it ends, or until its process
 * dies.
 *
 * <p>
 * It is taken at once or not at all: a delivery that does not get it knows, without a
 * window between a run taking its job's lock and recording its execution, that another
 * process runs the same firing. A run that does get it goes on to its job's lock, which
 * refuses it (exit code 3) when a run that is not of this firing holds it. The executions
 * a firing starts keep it (and their process) in their execution context, for the refused
 * delivery to name them; a job's parameters, and so its runs' identity, are left as they
 * are.
 */
@Component
public class FiringGuard implements EveryJobListener {

	/**
	 * The execution context key under which an execution keeps the firing it was started
	 * for ({@link Firing#toString()}), while a firing's process runs it.
	 */
	public static final String FIRING = "healthscore.firing";

	/** The execution context key of the process that runs it: {@code pid@host}. */
	public static final String PROCESS = "healthscore.firing.process";

	private static final Logger logger = LoggerFactory.getLogger(FiringGuard.class);

	private final DataSource dataSource;

	private final JobRepository jobRepository;

	/** The firing this thread runs: its jobs run in the thread that launches them. */
	private final ThreadLocal<Firing> current = new ThreadLocal<>();

	/**
	 * Creates a guard.
	 * @param dataSource the primary
	 * @param jobRepository where the executions of a firing are found
	 */
	public FiringGuard(DataSource dataSource, JobRepository jobRepository) {
		this.dataSource = dataSource;
		this.jobRepository = jobRepository;
	}

	/**
	 * Tries to take the lock of a firing for this thread's run of it; when another
	 * process holds it, says which execution runs the firing.
	 * @param firing the firing
	 * @return the held lock, to be closed when the firing's run ends; {@code null} when
	 * another process runs the firing
	 */
	public Held tryAcquire(Firing firing) throws SQLException {
		Connection connection = this.dataSource.getConnection();
		try {
			connection.setAutoCommit(true);
			if (advisory(connection, "pg_try_advisory_lock", key(firing))) {
				this.current.set(firing);
				return new Held(this, firing, connection);
			}
		}
		catch (SQLException | RuntimeException ex) {
			connection.close();
			throw ex;
		}
		connection.close();
		logRunElsewhere(firing);
		return null;
	}

	private void logRunElsewhere(Firing firing) {
		JobExecution running = runningExecution(firing);
		if (running == null) {
			logger.info(
					"Firing {} of '{}' is already being run by another process, which holds its lock and is"
							+ " starting one of its jobs, or between two of them: nothing was started",
					firing.time(), firing.command());
			return;
		}
		logger.info(
				"Firing {} of '{}' is already being run by execution {} ({}, started {}, process {}): nothing"
						+ " was started",
				firing.time(), firing.command(), running.getId(), running.getJobInstance().getJobName(),
				JobTimes.instant(running.getStartTime()), running.getExecutionContext().getString(PROCESS, "unknown"));
	}

	/** The newest running execution started for {@code firing}, or null. */
	private JobExecution runningExecution(Firing firing) {
		String started = firing.toString();
		return JobNames.ALL.stream()
			.flatMap((job) -> this.jobRepository.findRunningJobExecutions(job).stream())
			.filter((execution) -> started.equals(execution.getExecutionContext().getString(FIRING, null)))
			.max(Comparator.comparingLong(JobExecution::getId))
			.orElse(null);
	}

	/**
	 * Records in an execution's context the firing this thread runs, if any, and removes
	 * the one a restarted execution carries over from the execution it resumes.
	 */
	@Override
	public void beforeJob(JobExecution execution) {
		Firing firing = this.current.get();
		ExecutionContext context = execution.getExecutionContext();
		if (firing != null) {
			context.putString(FIRING, firing.toString());
			context.putString(PROCESS, process());
		}
		else if (context.containsKey(FIRING)) {
			context.remove(FIRING);
			context.remove(PROCESS);
		}
		else {
			return;
		}
		// saved now, not after the first step: a delivery refused meanwhile names it
		this.jobRepository.updateExecutionContext(execution);
	}

	private static String process() {
		String pid = String.valueOf(ProcessHandle.current().pid());
		try {
			return pid + "@" + InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return pid;
		}
	}

	/**
	 * The key of a firing's lock: one bigint, a key space apart from the jobs' two-int
	 * keys; the first 64 bits of a SHA-256 of the firing, so that two firings never share
	 * one.
	 */
	static long key(Firing firing) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256")
				.digest(("healthscore firing " + firing).getBytes(StandardCharsets.UTF_8));
			return ByteBuffer.wrap(digest).getLong();
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is not available", ex);
		}
	}

	private static boolean advisory(Connection connection, String function, long key) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement("SELECT " + function + "(?)")) {
			ps.setLong(1, key);
			try (ResultSet rs = ps.executeQuery()) {
				rs.next();
				return rs.getBoolean(1);
			}
		}
	}

	/** A firing's lock held by this process; closing it lets the firing run again. */
	public static final class Held implements AutoCloseable {

		private final FiringGuard guard;

		private final Firing firing;

		private Connection connection;

		private Held(FiringGuard guard, Firing firing, Connection connection) {
			this.guard = guard;
			this.firing = firing;
			this.connection = connection;
		}

		/**
		 * Releases the lock. Never throws: the firing's run has ended, and its exit code
		 * is what counts. A session that cannot release it is aborted, not returned to
		 * the pool with the lock.
		 */
		@Override
		public void close() {
			if (this.connection == null) {
				return;
			}
			this.guard.current.remove();
			Connection connection = this.connection;
			this.connection = null;
			try {
				if (!advisory(connection, "pg_advisory_unlock", key(this.firing))) {
					logger.warn("The lock of firing {} of '{}' was no longer held when its run ended",
							this.firing.time(), this.firing.command());
				}
			}
			catch (SQLException ex) {
				try {
					connection.abort(Runnable::run);
				}
				catch (SQLException | RuntimeException abort) {
					// its session ended, and its lock with it
				}
			}
			finally {
				try {
					connection.close();
				}
				catch (SQLException ex) {
					// released or aborted: nothing is left to do
				}
			}
		}

	}

}
