package dev.healthscore.jobs.replica;

import java.time.Duration;

import dev.healthscore.io.DataSizes;
import dev.healthscore.io.Durations;
import dev.healthscore.io.replica.LagPolicy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.Assert;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the read replica ({@code healthscore.replica.*}): where bulk reads go, and
 * what a job does when the replica lags or is down.
 *
 * @param url JDBC URL of the replica ({@code jdbc:postgresql://…}), a standby of the
 * primary (one the driver does not take, or a server that answers and is not a standby of
 * the primary, refuses the jobs that read the replica, {@link ReplicaUrlPrecondition});
 * unset: no replica, reads go to the primary (the embedded default starts its own replica
 * instead)
 * @param username user on the replica; unset: {@code spring.datasource.username}
 * @param password password on the replica; unset: {@code spring.datasource.password}
 * @param maximumPoolSize connections in the replica pool: the readers of one job run
 * @param connectionTimeout how long to wait for a replica connection before treating the
 * replica as down, at least {@value #CONNECTION_TIMEOUT_MIN_MILLIS} ms
 * @param lagPolicy when the replica lags more than allowed or is down: {@code wait},
 * {@code fail} or {@code primary}
 * @param maxLag the largest acceptable time lag
 * @param maxLagBytes the largest acceptable lag in WAL not yet replayed; unset: time only
 * @param waitTimeout how long the {@code wait} policy waits before the job fails
 * @param pollInterval the longest pause of the {@code wait} policy between two
 * measurements: the first is 10 ms, each next one twice as long up to it
 */
@ConfigurationProperties("healthscore.replica")
public record ReplicaProperties(String url, String username, String password, @DefaultValue("4") int maximumPoolSize,
		@DefaultValue("5s") Duration connectionTimeout, @DefaultValue("wait") LagPolicy lagPolicy,
		@DefaultValue("30s") Duration maxLag, DataSize maxLagBytes, @DefaultValue("5m") Duration waitTimeout,
		@DefaultValue("1s") Duration pollInterval) {

	/**
	 * The shortest connection timeout, HikariCP's: below it the pool refuses to start,
	 * and at zero it waits about 25 days, so a job whose replica is down would hang
	 * instead of applying its lag policy.
	 */
	public static final long CONNECTION_TIMEOUT_MIN_MILLIS = 250;

	/**
	 * The longest of the durations: 100 years. The replica gate counts its wait in
	 * nanoseconds, which overflow at 292 years ({@code wait-timeout=106752d} failed a job
	 * half-way, once its replica lagged), and HikariCP its timeout in milliseconds.
	 */
	public static final Duration DURATION_MAX = Duration.ofDays(36500);

	/**
	 * Checks the values as they are bound, so that a bad one is named as it is set (the
	 * {@code ReplicaGate} builder checks them again, for its callers without properties).
	 */
	public ReplicaProperties {
		atMostACentury("connection-timeout", connectionTimeout);
		atMostACentury("max-lag", maxLag);
		atMostACentury("wait-timeout", waitTimeout);
		atMostACentury("poll-interval", pollInterval);
		Assert.isTrue(maximumPoolSize > 0, () -> "Invalid healthscore.replica.maximum-pool-size=" + maximumPoolSize
				+ ": expected a positive number");
		Assert.isTrue(connectionTimeout.toMillis() >= CONNECTION_TIMEOUT_MIN_MILLIS,
				() -> "Invalid healthscore.replica.connection-timeout=" + Durations.format(connectionTimeout)
						+ ": expected at least " + CONNECTION_TIMEOUT_MIN_MILLIS + "ms");
		Assert.isTrue(!maxLag.isNegative(),
				() -> "Invalid healthscore.replica.max-lag=" + Durations.format(maxLag) + ": must not be negative");
		Assert.isTrue(maxLagBytes == null || !maxLagBytes.isNegative(),
				() -> "Invalid healthscore.replica.max-lag-bytes=" + DataSizes.format(maxLagBytes)
						+ ": must not be negative");
		Assert.isTrue(!waitTimeout.isNegative(), () -> "Invalid healthscore.replica.wait-timeout="
				+ Durations.format(waitTimeout) + ": must not be negative");
		Assert.isTrue(!pollInterval.isNegative() && !pollInterval.isZero(),
				() -> "Invalid healthscore.replica.poll-interval=" + Durations.format(pollInterval)
						+ ": expected a positive duration");
	}

	private static void atMostACentury(String name, Duration value) {
		Assert.isTrue(value.compareTo(DURATION_MAX) <= 0,
				() -> "Invalid healthscore.replica." + name + "=" + Durations.format(value) + ": must be at most "
						+ Durations.format(DURATION_MAX)
						+ " (100 years: the jobs count it in nanoseconds, and a longer one overflows that)");
	}

}
