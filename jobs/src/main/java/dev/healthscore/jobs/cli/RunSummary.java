package dev.healthscore.jobs.cli;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import dev.healthscore.io.Causes;
import dev.healthscore.io.replica.NotAStandbyException;
import dev.healthscore.io.replica.ReplicaLagException;
import dev.healthscore.jobs.JobLogContext;
import dev.healthscore.schedules.JobLaunch;
import org.slf4j.Logger;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;

/**
 * The line a command logs when the execution it ran ends: how it ended, its exit code,
 * and, when it did not complete, why (its first failure: what was being done, and each
 * cause that adds to it) and how to go on. Spring Batch logs each failure with its stack
 * trace, once per chunk, step and partition; this line is the one an operator reads
 * first.
 */
public final class RunSummary {

	/**
	 * The exit code (Spring Batch's {@code ExitStatus}, not the process's) of an
	 * execution that completed but found something an operator must act on, which its
	 * exit description says: the process still exits 0, and the summary line quotes it.
	 */
	public static final String COMPLETED_WITH_WARNINGS = "COMPLETED WITH WARNINGS";

	/** The longest cause the line quotes. */
	private static final int CAUSE_LENGTH = 500;

	/** The longest part of an execution's warnings the line quotes. */
	private static final int WARNINGS_LENGTH = 1000;

	/**
	 * What to do after an execution that Spring Batch marked {@code UNKNOWN}: it could
	 * not record a step's state (a lost connection to the primary), and neither
	 * {@code restart} nor the same command resumes such an execution.
	 */
	private static final String UNKNOWN_STATE = "rerun the same command: it runs the job again from the start, as the"
			+ " job repository could not record where this execution stopped (UNKNOWN), so it cannot be resumed";

	private RunSummary() {
	}

	/**
	 * Describes how an execution ended.
	 * @param execution the execution, ended
	 * @param exitCode the exit code it gives the process
	 * @return the line, e.g. {@code recompute execution 8 ended FAILED; exit code 1: …}
	 */
	public static String of(JobExecution execution, ExitCode exitCode) {
		return of(execution, "", exitCode);
	}

	/**
	 * Describes how the execution that restarted another ended.
	 * @param execution the new execution, ended
	 * @param restarted the id of the execution it restarted
	 * @param exitCode the exit code it gives the process
	 * @return the line, e.g.
	 * {@code recompute execution 9 (restart of 8) ended COMPLETED…}
	 */
	public static String ofRestart(JobExecution execution, long restarted, ExitCode exitCode) {
		return of(execution, " (restart of " + restarted + ")", exitCode);
	}

	/**
	 * Describes a firing that was not run again, as an earlier execution completed it:
	 * which execution, and when it ended, so that no one reads the earlier run as this
	 * one's.
	 * @param earlier the execution that completed the firing
	 * @param firing the instant the schedule fired for
	 * @return the line, e.g.
	 * {@code partitions execution 7 already completed this firing (2025-02-16T01:30:00Z) and ended at 2025-02-16T01:30:04.512Z: nothing was run again, no execution started}
	 */
	public static String ofAlreadyCompleted(JobExecution earlier, Instant firing) {
		return String.format(Locale.ROOT,
				"%s execution %d already completed this firing (%s) and ended at %s: nothing was run again, no"
						+ " execution started",
				earlier.getJobInstance().getJobName(), earlier.getId(), firing, JobTimes.instant(earlier.getEndTime()));
	}

	/**
	 * Says why an execution did not complete, as the summary line does: what was being
	 * done and each cause that adds to it.
	 * @param execution the execution, ended
	 * @return the reason on one line
	 */
	public static String why(JobExecution execution) {
		return cause(execution.getAllFailureExceptions());
	}

	/**
	 * Logs a summary line: as a warning when the run stopped on request, an error when it
	 * failed; with the execution's keys in the logging context, as the run's own lines.
	 */
	public static void log(Logger logger, JobExecution execution, String summary, ExitCode exitCode) {
		try (JobLogContext.Scope scope = JobLogContext.open(execution)) {
			switch (exitCode) {
				case COMPLETED -> {
					if (warned(execution)) {
						logger.warn(summary);
					}
					else {
						logger.info(summary);
					}
				}
				case STOPPED -> logger.warn(summary);
				default -> logger.error(summary);
			}
		}
	}

	private static String of(JobExecution execution, String what, ExitCode exitCode) {
		String job = execution.getJobInstance().getJobName();
		long id = execution.getId();
		String ended = String.format(Locale.ROOT, "%s execution %d%s ended %s; exit code %d", job, id, what,
				execution.getStatus(), exitCode.code());
		String resume = String.format(Locale.ROOT,
				"rerun the same command (or restart %d) to resume it where it stopped", id);
		return of(execution, ended, resume, UNKNOWN_STATE, exitCode);
	}

	/**
	 * Describes how the execution that one step of a schedule started ended, in the
	 * scheduler or in {@code run <chain>}: without an exit code (the scheduler's process
	 * goes on; a chain logs its own end and exit code after its steps), and with
	 * {@code restart} to resume it. An execution that cannot be resumed ({@code UNKNOWN})
	 * is to be run again by hand, as the step's own command line.
	 * @param execution the execution, ended
	 * @param exitCode the exit code a run of the job alone would have given
	 * @param launch the step of the schedule and the instant it fired for
	 * @return the line, e.g.
	 * {@code recompute execution 8 (schedule nightly, firing 2025-03-02T02:00:00Z) ended FAILED: …}
	 */
	public static String ofScheduled(JobExecution execution, ExitCode exitCode, JobLaunch launch) {
		long id = execution.getId();
		String ended = String.format(Locale.ROOT, "%s execution %d (schedule %s, firing %s) ended %s",
				execution.getJobInstance().getJobName(), id, launch.schedule(), launch.scheduledTime(),
				execution.getStatus());
		String resume = String.format(Locale.ROOT, "restart %d to resume it where it stopped", id);
		String unknown = String.format(Locale.ROOT,
				"run 'run %s %s' by hand: it runs the job again from the start, as the job repository could not"
						+ " record where this execution stopped (UNKNOWN), so it cannot be resumed",
				launch.job(), String.join(" ", launch.arguments()));
		return of(execution, ended, resume, unknown, exitCode);
	}

	private static String of(JobExecution execution, String ended, String resume, String unknown, ExitCode exitCode) {
		return switch (exitCode) {
			case COMPLETED -> warned(execution) ? ended + "; with warnings: "
					+ oneLine(execution.getExitStatus().getExitDescription(), WARNINGS_LENGTH) : ended;
			case FAILED -> ended + ": " + cause(execution.getAllFailureExceptions()) + ". To go on, "
					+ ((execution.getStatus() == BatchStatus.UNKNOWN) ? unknown : resume);
			case REPLICA_LAGGING -> ended + ": " + replicaLag(execution.getAllFailureExceptions())
					+ (notAStandby(execution.getAllFailureExceptions())
							? ". Once healthscore.replica.url names a standby of the primary (or is unset), "
							: ". Once the replica answers and has caught up, ")
					+ resume;
			case STOPPED -> ended + ": stopped on request. To go on, " + resume;
			default -> ended;
		};
	}

	/**
	 * Returns whether an execution completed with warnings
	 * ({@value #COMPLETED_WITH_WARNINGS}).
	 * @param execution the execution
	 * @return true when its exit code says so
	 */
	public static boolean warned(JobExecution execution) {
		return COMPLETED_WITH_WARNINGS.equals(execution.getExitStatus().getExitCode());
	}

	/**
	 * A failure on one line: the outermost of its exceptions that is not Spring's (whose
	 * wrappers say only that a chunk, a step or a transaction failed), with its message
	 * and that of each cause that adds one ({@link Causes#describe}): the outer ones say
	 * what was being done (which S3 object, which database), the inner ones what the
	 * server or the network said. A failure that is Spring Batch's own throughout (a
	 * partitioned step's "Partition handler returned an unsuccessful step") only repeats
	 * another's: the first of the others is quoted.
	 */
	private static String cause(List<Throwable> failures) {
		if (failures.isEmpty()) {
			return "no failure recorded (see the log above)";
		}
		Throwable why = failures.stream()
			.map(RunSummary::outermostOfOurs)
			.filter(Objects::nonNull)
			.findFirst()
			.orElseGet(() -> innermost(failures.get(0)));
		return describe(why);
	}

	/**
	 * The replica failure that stopped a run, which says whether the replica was behind
	 * or unreachable (and why), under which lag policy, and what to do.
	 */
	private static String replicaLag(List<Throwable> failures) {
		return failures.stream()
			.map((failure) -> Causes.find(failure, ReplicaLagException.class::isInstance))
			.filter(Objects::nonNull)
			.findFirst()
			.map(RunSummary::describe)
			.orElseGet(() -> cause(failures));
	}

	/**
	 * Whether the replica failure was a replica that is not a standby of the primary,
	 * which no wait mends.
	 */
	private static boolean notAStandby(List<Throwable> failures) {
		return failures.stream()
			.anyMatch((failure) -> Causes.anyMatch(failure, NotAStandbyException.class::isInstance));
	}

	private static String describe(Throwable why) {
		String name = why.getClass().getSimpleName();
		return oneLine((why.getMessage() != null) ? name + ": " + Causes.describe(why) : name, CAUSE_LENGTH);
	}

	private static Throwable outermostOfOurs(Throwable failure) {
		return Causes.find(failure, (cause) -> !cause.getClass().getName().startsWith("org.springframework.")
				&& cause.getMessage() != null && !cause.getMessage().isBlank());
	}

	private static Throwable innermost(Throwable failure) {
		Throwable why = Causes.last(failure, (cause) -> cause.getMessage() != null && !cause.getMessage().isBlank());
		return (why != null) ? why : failure;
	}

	/**
	 * A text on one line (its line breaks as {@code " / "}), cut to at most
	 * {@code maxLength} characters and an ellipsis.
	 * @param text the text
	 * @param maxLength the most characters kept
	 * @return the line
	 */
	public static String oneLine(String text, int maxLength) {
		String line = text.strip().replaceAll("\\s*\\R\\s*", " / ");
		return (line.length() > maxLength) ? line.substring(0, maxLength) + "…" : line;
	}

}
