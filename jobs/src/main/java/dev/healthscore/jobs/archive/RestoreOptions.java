package dev.healthscore.jobs.archive;

import java.time.YearMonth;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.JobOptions;
import dev.healthscore.jobs.cli.UsageException;

/** {@code run restore --table=health_reading|health_score --month=YYYY-MM}. */
public final class RestoreOptions implements JobOptions {

	@Override
	public String name() {
		return RestoreJobConfiguration.JOB_NAME;
	}

	@Override
	public List<String> options() {
		return List.of("table", "month");
	}

	@Override
	public String usage() {
		return """
				run restore --table=health_reading|health_score --month=YYYY-MM
				    load an archived month back from S3 into PostgreSQL, verified, and attach it""";
	}

	@Override
	public boolean takesScheduledTime(Invocation invocation) {
		return false;
	}

	@Override
	public Map<String, String> parameters(Invocation invocation) {
		if (invocation.has(ArchiveOptions.SCHEDULED_TIME)) {
			// no schedule restores: a time given by hand would be taken to mean something
			throw new UsageException(("Cannot give --%s to 'run restore': a restore brings back the month of"
					+ " --month whatever the time, and no schedule runs it; leave the option out")
				.formatted(ArchiveOptions.SCHEDULED_TIME));
		}
		List<String> tables = ArchivePlan.TABLES.stream().map((table) -> table.tableName()).toList();
		String table = invocation.option("table", null);
		if (table == null) {
			throw new UsageException("Missing --table=%s for 'run restore'".formatted(String.join("|", tables)));
		}
		invocation.requireValue("table", String.join("|", tables));
		if (!tables.contains(table)) {
			throw new UsageException("Invalid --table=%s: expected one of %s".formatted(table, tables));
		}
		YearMonth month = ArchiveOptions.month(invocation, "month");
		// the ledger would say only that it was never archived, once the application had
		// started
		ArchiveOptions.refuseBeforeAnyReading(invocation, "month", "it", month, "so the archive has not taken it");
		YearMonth current = ArchiveOptions.currentMonth();
		if (!month.isBefore(current)) {
			// the ledger would say only that it was never archived, once the
			// application had started
			throw new UsageException(("Invalid --month=%s: the archive takes only months before the current one"
					+ " (%s), so it has not archived this one; give an archived month ('status' lists the archive"
					+ " ledger by month)")
				.formatted(invocation.option("month", ""), current));
		}
		Map<String, String> parameters = new LinkedHashMap<>();
		parameters.put("table", table);
		parameters.put("month", month.toString());
		return parameters;
	}

}
