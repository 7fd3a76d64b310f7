package dev.healthscore.jobs.ops;

import java.sql.Array;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import dev.healthscore.jobs.cli.JobRunGuard;
import dev.healthscore.jobs.cli.JobRunner;
import dev.healthscore.jobs.cli.JobTimes;
import dev.healthscore.jobs.cli.RunSummary;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What {@code status} prints: the last executions of every job (start, end, status, exit
 * code, the items its steps read and wrote, and under its line its identifying
 * parameters; one that a command other than {@code run} ran, a {@code reprocess}, by that
 * command's name) and the archive ledger by month, read from the job repository and the
 * ledger. The items of a partitioned step are counted once, by its manager step (which
 * sums its workers, named {@code <worker>:<partition>}), not again by each worker. An
 * execution still marked running whose job guard no session holds is flagged: its process
 * died. Every time is printed in UTC, as the ledger's and the logs' are: an execution's
 * start and end, which Spring Batch stores as the local time of the JVM's default zone (a
 * {@code timestamp} without a zone), are converted from it.
 */
public final class StatusReport {

	private static final String EXECUTIONS_SQL = """
			SELECT * FROM (
			  SELECT i.job_name, e.job_execution_id, e.start_time, e.end_time, e.status, e.exit_code, e.exit_message,
			         coalesce(sum(s.read_count), 0) AS read_count, coalesce(sum(s.write_count), 0) AS write_count,
			         (SELECT p.parameter_value FROM batch_job_execution_params p
			          WHERE p.job_execution_id = e.job_execution_id AND p.parameter_name = 'shard') AS shard,
			         (SELECT p.parameter_value FROM batch_job_execution_params p
			          WHERE p.job_execution_id = e.job_execution_id AND p.parameter_name = 'dry-run') AS dry_run,
			         (SELECT p.parameter_value FROM batch_job_execution_params p
			          WHERE p.job_execution_id = e.job_execution_id AND p.parameter_name = ?) AS command,
			         (SELECT array_agg(p.parameter_name || '=' || coalesce(p.parameter_value, ''))
			          FROM batch_job_execution_params p
			          WHERE p.job_execution_id = e.job_execution_id AND p.identifying = 'Y'
			            AND p.parameter_name <> 'run.id') AS parameters,
			         row_number() OVER (PARTITION BY i.job_name ORDER BY e.job_execution_id DESC) AS n
			  FROM batch_job_execution e
			  JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
			  LEFT JOIN batch_step_execution s ON s.job_execution_id = e.job_execution_id
			    AND s.step_name NOT LIKE '%:%'
			  GROUP BY i.job_name, e.job_execution_id) x
			WHERE n <= ? ORDER BY job_name, job_execution_id DESC""";

	private static final String LEDGER_SQL = """
			SELECT to_char(month, 'YYYY-MM') AS month, table_name, state, row_count, bytes, s3_uri,
			       to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS updated_at, last_error
			FROM archive_ledger ORDER BY month, table_name""";

	/** The statuses of an execution that a live process is running. */
	private static final List<String> RUNNING = List.of("STARTING", "STARTED", "STOPPING");

	/** How an execution's start and end are printed, in UTC. */
	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

	/**
	 * The narrowest status and exit columns: as wide as the longest status of a job
	 * execution ({@code ABANDONED}, {@code COMPLETED}).
	 */
	private static final int STATUS_WIDTH = 9;

	/**
	 * The order in which an execution's parameters are printed: the range first, then the
	 * firing, the options that narrow or widen the run, and its flags. A parameter not
	 * listed here follows them, by name.
	 */
	private static final List<String> PARAMETER_ORDER = List.of("from", "to", "as-of", "scheduled-time", "before",
			"hot-months", "months-ahead", "table", "month", "rearchive", "users", "shard", "full", "dry-run",
			"upgrade-version", "allow-recent", "report");

	/**
	 * The most characters of the {@code users} parameter printed; the ids after them are
	 * counted.
	 */
	private static final int USERS_LENGTH = 40;

	/**
	 * The most characters of an execution's parameters printed: with their indent and an
	 * ellipsis, 120 columns, the width of the widest execution's line.
	 */
	private static final int PARAMETERS_LENGTH = 120 - 12 - 1;

	/** The longest part of a month's last error that the report shows. */
	private static final int ERROR_LENGTH = 500;

	private StatusReport() {
	}

	/** The report as text, with the last {@code limit} executions of each job. */
	public static String text(DataSource dataSource, int limit) {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		List<String> lines = new ArrayList<>(executions(jdbc, limit));
		lines.add("");
		lines.add("archive ledger:");
		int before = lines.size();
		jdbc.query(LEDGER_SQL, (org.springframework.jdbc.core.RowCallbackHandler) (rs) -> {
			// rows and bytes are unknown (NULL) until the month's export (or export
			// again) is written
			lines.add(String.format(Locale.ROOT, "  %-7s  %-14s  %-10s  %12s rows  %14s bytes  %s",
					rs.getString("month"), rs.getString("table_name"), rs.getString("state"),
					count(rs.getObject("row_count", Long.class)), count(rs.getObject("bytes", Long.class)),
					(rs.getString("s3_uri") != null) ? rs.getString("s3_uri") : ""));
			String error = rs.getString("last_error");
			if (error != null) {
				// the last failure, kept until the month next moves on: why a run
				// failed on it
				lines.add(String.format(Locale.ROOT, "           last error (%s UTC): %s", rs.getString("updated_at"),
						RunSummary.oneLine(error, ERROR_LENGTH)));
			}
		});
		if (lines.size() == before) {
			lines.add("  (nothing archived yet)");
		}
		return String.join(System.lineSeparator(), lines);
	}

	/**
	 * The executions' table, its status and exit columns as wide as the widest value
	 * printed in them ({@code COMPLETED WITH WARNINGS}, say), so that every line's
	 * columns stay under their heading.
	 */
	private static List<String> executions(JdbcTemplate jdbc, int limit) {
		List<Execution> executions = new ArrayList<>();
		jdbc.query(EXECUTIONS_SQL, (org.springframework.jdbc.core.RowCallbackHandler) (rs) -> {
			String job = rs.getString("job_name");
			long id = rs.getLong("job_execution_id");
			List<String> notes = new ArrayList<>();
			Array parameters = rs.getArray("parameters");
			String identity = (parameters != null) ? parameters(List.of((String[]) parameters.getArray())) : "";
			if (!identity.isEmpty()) {
				// what tells two runs of the job apart: which days, users, shard, firing
				notes.add("            " + identity);
			}
			if (RunSummary.COMPLETED_WITH_WARNINGS.equals(rs.getString("exit_code"))) {
				// what the run's WARN lines said, kept by the job repository
				notes.add(String.format(Locale.ROOT, "            warnings: %s",
						RunSummary.oneLine(String.valueOf(rs.getString("exit_message")), ERROR_LENGTH)));
			}
			if ("true".equals(rs.getString("dry_run"))) {
				// its writer counts what it would have written: the column alone read as
				// rows changed
				notes.add("            dry run: nothing was written ('written' is what the run would have written)");
			}
			String scope = (rs.getString("shard") != null) ? rs.getString("shard") : JobRunGuard.ALL;
			if (RUNNING.contains(rs.getString("status")) && !JobRunGuard.isHeld(jdbc, job, scope)) {
				// what SIGKILL or a lost node leaves: marked running, and nothing will
				// ever end it
				notes.add(String.format(Locale.ROOT,
						"            no process holds the guard of %s (%s): its process died; 'restart %d' resumes"
								+ " it, 'stop %d' marks it FAILED",
						job, scope, id, id));
			}
			// a reprocess runs the recompute job: shown as the command it is
			String command = rs.getString("command");
			executions.add(new Execution((command != null) ? command : job, id,
					utc(rs.getObject("start_time", LocalDateTime.class)),
					utc(rs.getObject("end_time", LocalDateTime.class)), String.valueOf(rs.getString("status")),
					String.valueOf(rs.getString("exit_code")), rs.getLong("read_count"), rs.getLong("write_count"),
					notes));
		}, JobRunner.COMMAND, limit);
		int status = executions.stream().mapToInt((execution) -> execution.status().length()).max().orElse(0);
		int exit = executions.stream().mapToInt((execution) -> execution.exit().length()).max().orElse(0);
		String format = "%-11s %6s  %-19s  %-19s  %-" + Math.max(status, STATUS_WIDTH) + "s  %-"
				+ Math.max(exit, STATUS_WIDTH) + "s  %10s  %10s";
		List<String> lines = new ArrayList<>();
		lines.add(String.format(Locale.ROOT, format, "job", "exec", "start (UTC)", "end (UTC)", "status", "exit",
				"read", "written"));
		for (Execution execution : executions) {
			lines.add(String.format(Locale.ROOT, format, execution.job(), execution.id(), execution.start(),
					execution.end(), execution.status(), execution.exit(), execution.read(), execution.written()));
			lines.addAll(execution.notes());
		}
		if (executions.isEmpty()) {
			lines.add("(no job executions yet)");
		}
		return lines;
	}

	/** One line of the executions' table, and the lines under it. */
	private record Execution(String job, long id, String start, String end, String status, String exit, long read,
			long written, List<String> notes) {

	}

	/**
	 * An execution's identifying parameters (its run id aside) on one line, such as
	 * {@code from=2025-01-01 to=2025-01-31 shard=1/4 full}: a flag by its name, a long
	 * list of users as its first ids and how many there are.
	 * @param parameters the parameters, each as {@code name=value}
	 * @return the line, empty without parameters
	 */
	static String parameters(List<String> parameters) {
		List<String> sorted = new ArrayList<>(parameters);
		sorted.sort(Comparator.comparingInt(StatusReport::rank).thenComparing(Comparator.naturalOrder()));
		List<String> printed = new ArrayList<>();
		for (String parameter : sorted) {
			int equals = parameter.indexOf('=');
			String name = parameter.substring(0, equals);
			String value = parameter.substring(equals + 1);
			if (value.equals("true")) {
				printed.add(name);
			}
			else if (name.equals("users")) {
				printed.add(name + "=" + users(value));
			}
			else {
				printed.add(parameter);
			}
		}
		return printed.isEmpty() ? "" : RunSummary.oneLine(String.join(" ", printed), PARAMETERS_LENGTH);
	}

	private static int rank(String parameter) {
		int rank = PARAMETER_ORDER.indexOf(parameter.substring(0, parameter.indexOf('=')));
		return (rank >= 0) ? rank : PARAMETER_ORDER.size();
	}

	/** The ids of a {@code users} parameter, the first ones only when there are many. */
	private static String users(String value) {
		if (value.length() <= USERS_LENGTH) {
			return value;
		}
		int cut = value.lastIndexOf(',', USERS_LENGTH);
		long ids = value.chars().filter((c) -> c == ',').count() + 1;
		return String.format(Locale.ROOT, "%s,… (%,d users)", value.substring(0, Math.max(cut, 0)), ids);
	}

	private static String count(Long value) {
		return (value != null) ? String.format(Locale.ROOT, "%,d", value) : "-";
	}

	/**
	 * {@code time}, a local time of the JVM's default zone as Spring Batch stores it, in
	 * UTC.
	 */
	private static String utc(LocalDateTime time) {
		return (time != null) ? TIME.format(JobTimes.instant(time).atOffset(ZoneOffset.UTC)) : "-";
	}

}
