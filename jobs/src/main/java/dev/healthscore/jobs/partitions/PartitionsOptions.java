package dev.healthscore.jobs.partitions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.healthscore.jobs.archive.ArchiveOptions;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.JobOptions;

/** {@code run partitions [--months-ahead=N] [--scheduled-time=instant]}. */
public final class PartitionsOptions implements JobOptions {

	@Override
	public String name() {
		return PartitionsJobConfiguration.JOB_NAME;
	}

	@Override
	public List<String> options() {
		return List.of("months-ahead", ArchiveOptions.SCHEDULED_TIME);
	}

	@Override
	public String usage() {
		return """
				run partitions [--months-ahead=N] [--scheduled-time=INSTANT]
				    create the monthly partitions of the current month and N months ahead (default 3), if missing""";
	}

	@Override
	public Map<String, String> parameters(Invocation invocation) {
		Map<String, String> parameters = new LinkedHashMap<>();
		ArchiveOptions.scheduledTime(invocation, parameters);
		if (invocation.has("months-ahead")) {
			int ahead = invocation.positiveInt("months-ahead", 1, PartitionsProperties.MONTHS_AHEAD_MAX,
					(value) -> "Invalid --months-ahead=%s: expected at most %d (ten years of monthly partitions)"
						.formatted(value, PartitionsProperties.MONTHS_AHEAD_MAX));
			parameters.put("months-ahead", String.valueOf(ahead));
		}
		return parameters;
	}

}
