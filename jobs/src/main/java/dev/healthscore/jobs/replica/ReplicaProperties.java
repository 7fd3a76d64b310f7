package dev.healthscore.jobs.replica;

import java.time.Duration;

import dev.healthscore.io.replica.LagPolicy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the read replica ({@code healthscore.replica.*}): where bulk reads go, and
 * what a job does when the replica lags or is down.
 *
 * @param url JDBC URL of the replica; unset: no replica, reads go to the primary (the
 * embedded default starts its own replica instead)
 * @param username user on the replica; unset: {@code spring.datasource.username}
 * @param password password on the replica; unset: {@code spring.datasource.password}
 * @param maximumPoolSize connections in the replica pool: the readers of one job run
 * @param connectionTimeout how long to wait for a replica connection before treating the
 * replica as down
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

}
