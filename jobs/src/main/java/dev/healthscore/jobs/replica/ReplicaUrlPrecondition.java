package dev.healthscore.jobs.replica;

import java.util.Map;
import java.util.Properties;
import java.util.Set;

import dev.healthscore.jobs.cli.RunPrecondition;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.schedules.JobNames;
import org.postgresql.Driver;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Refuses a run of a job that reads the replica ({@code recompute}, {@code reconcile},
 * {@code archive}) when {@code healthscore.replica.url} is not a URL the PostgreSQL
 * driver takes: the replica pool would fail each range with a driver error (exit 1),
 * whatever the lag policy, once the job was under way. The {@code scheduler} checks it as
 * it starts ({@link #checkSettings}). A replica that is down, or refuses the credentials,
 * is the lag policy's to decide: it may mend, and {@code primary} reads the primary
 * meanwhile, with a warning for each range.
 */
@Component
// first: whatever the run's parameters are, it cannot run with this setting
@Order(Ordered.HIGHEST_PRECEDENCE)
class ReplicaUrlPrecondition implements RunPrecondition {

	/** The jobs that read through the replica gate. */
	static final Set<String> READERS = Set.of(JobNames.RECOMPUTE, JobNames.RECONCILE, JobNames.ARCHIVE);

	private final ReplicaProperties properties;

	ReplicaUrlPrecondition(ReplicaProperties properties) {
		this.properties = properties;
	}

	@Override
	public void check(String job, Map<String, String> parameters) {
		checkSettings(job);
	}

	@Override
	public void checkSettings(String job) {
		String url = this.properties.url();
		if (!READERS.contains(job) || !StringUtils.hasText(url) || Driver.parseURL(url, new Properties()) != null) {
			return;
		}
		throw new UsageException(("Cannot run %s: invalid healthscore.replica.url (HEALTHSCORE_DATASOURCE_REPLICA_URL)"
				+ ", not a PostgreSQL JDBC URL: %s. Give jdbc:postgresql://<host>:<port>/<database>, or leave it unset"
				+ " to read from the primary; nothing was started")
			.formatted(job, masked(url)));
	}

	/** The URL with the value of a password parameter masked. */
	static String masked(String url) {
		return url.replaceAll("(?i)(password=)[^&]*", "$1***");
	}

}
