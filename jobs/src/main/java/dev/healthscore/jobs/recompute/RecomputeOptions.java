package dev.healthscore.jobs.recompute;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.JobOptions;
import dev.healthscore.jobs.cli.UsageException;

/** {@code run recompute --from=YYYY-MM-DD --to=YYYY-MM-DD [--users=ID,...]}. */
public final class RecomputeOptions implements JobOptions {

	@Override
	public String name() {
		return RecomputeJobConfiguration.JOB_NAME;
	}

	@Override
	public List<String> options() {
		return List.of("from", "to", "users");
	}

	@Override
	public String usage() {
		return """
				run recompute --from=YYYY-MM-DD --to=YYYY-MM-DD [--users=ID,ID,...]
				    recompute the scores of a range of local days (all users, or the listed ones)""";
	}

	@Override
	public Map<String, String> parameters(Invocation invocation) {
		LocalDate from = invocation.date("from");
		LocalDate to = invocation.date("to");
		if (to.isBefore(from)) {
			throw new UsageException(
					"Invalid range --from=%s --to=%s: --to must not be before --from".formatted(from, to));
		}
		Map<String, String> parameters = new LinkedHashMap<>();
		parameters.put("from", from.toString());
		parameters.put("to", to.toString());
		long[] users = invocation.userIds("users");
		if (users.length > 0) {
			parameters.put("users", UserIds.format(users));
		}
		return parameters;
	}

}
