package dev.healthscore.jobs.replica;

import java.util.Properties;
import java.util.Set;

import dev.healthscore.io.replica.NotAStandbyException;
import dev.healthscore.io.replica.ReplicaGate;
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
 * whatever the lag policy, once the job was under way; or when the server it names
 * answers and is not a standby of the primary ({@link ReplicaGate#checkStandby()}:
 * another cluster, a promoted standby), whose data is not the primary's. The
 * {@code scheduler} checks both as it starts ({@link #checkSettings}). A replica that is
 * down, or refuses the credentials, is the lag policy's to decide: it may mend, and
 * {@code primary} reads the primary meanwhile, with a warning for each range; the gate
 * checks each range's replica again.
 */
@Component
// first: whatever the run's parameters are, it cannot run with this setting
@Order(Ordered.HIGHEST_PRECEDENCE)
class ReplicaUrlPrecondition implements RunPrecondition {

	/** The jobs that read through the replica gate. */
	static final Set<String> READERS = Set.of(JobNames.RECOMPUTE, JobNames.RECONCILE, JobNames.ARCHIVE);

	private final ReplicaProperties properties;

	private final ReplicaGate replicaGate;

	ReplicaUrlPrecondition(ReplicaProperties properties, ReplicaGate replicaGate) {
		this.properties = properties;
		this.replicaGate = replicaGate;
	}

	@Override
	public void checkSettings(String job) {
		if (!READERS.contains(job)) {
			return;
		}
		String url = this.properties.url();
		if (!StringUtils.hasText(url) || Driver.parseURL(url, new Properties()) != null) {
			checkStandby(job, url);
			return;
		}
		throw new UsageException(("Cannot run %s: invalid healthscore.replica.url (HEALTHSCORE_DATASOURCE_REPLICA_URL)"
				+ ", not a PostgreSQL JDBC URL: %s. Give jdbc:postgresql://<host>:<port>/<database>, or leave it unset"
				+ " to read from the primary; nothing was started")
			.formatted(job, masked(url)));
	}

	private void checkStandby(String job, String url) {
		try {
			this.replicaGate.checkStandby();
		}
		catch (NotAStandbyException ex) {
			throw new UsageException(("Cannot run %s: %s (HEALTHSCORE_DATASOURCE_REPLICA_URL=%s). Its data is not the"
					+ " primary's: give healthscore.replica.url a standby of the primary, or leave it unset to read"
					+ " from the primary; nothing was started")
				.formatted(job, ex.getMessage(), (url != null) ? masked(url) : "unset"));
		}
	}

	/**
	 * The URL with its passwords masked: a password parameter's value, and the one of a
	 * {@code user:password@} before the host, as a libpq URI ({@code postgres://…}, the
	 * form most often given by mistake) carries it.
	 */
	static String masked(String url) {
		return url.replaceAll("(?i)(password=)[^&]*", "$1***").replaceFirst("(//[^/?#@:]*:)[^/?#@]*@", "$1***@");
	}

}
