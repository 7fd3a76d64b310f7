package dev.healthscore.jobs.replica;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.io.replica.ReplicaGate;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The read replica: a read-only {@value #REPLICA_DATA_SOURCE} pool when
 * {@code healthscore.replica.url} is set, and the {@code replicaGate} that decides for
 * each range whether to read it from the replica. The replica pool is not a default
 * candidate, so {@code DataSource} injection points and Boot's auto-configuration still
 * see only the primary; ask for it by name.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ReplicaProperties.class)
public class ReplicaConfiguration {

	/** The replica pool's bean name, also its qualifier. */
	public static final String REPLICA_DATA_SOURCE = "replicaDataSource";

	@Bean(name = REPLICA_DATA_SOURCE, defaultCandidate = false, destroyMethod = "close")
	@Conditional(ReplicaConfiguredCondition.class)
	HikariDataSource replicaDataSource(ReplicaProperties properties, Environment environment) {
		String username = (properties.username() != null) ? properties.username()
				: environment.getProperty("spring.datasource.username");
		String password = (properties.password() != null) ? properties.password()
				: environment.getProperty("spring.datasource.password");
		return replicaPool(properties.url(), username, password, properties);
	}

	@Bean
	ReplicaGate replicaGate(DataSource dataSource,
			@Qualifier(REPLICA_DATA_SOURCE) ObjectProvider<DataSource> replicaDataSource,
			ReplicaProperties properties) {
		return ReplicaGate.builder()
			.primary(dataSource)
			.replica(replicaDataSource.getIfAvailable())
			.policy(properties.lagPolicy())
			.maxLag(properties.maxLag())
			.maxLagBytes((properties.maxLagBytes() != null) ? properties.maxLagBytes().toBytes() : null)
			.waitTimeout(properties.waitTimeout())
			.pollInterval(properties.pollInterval())
			.build();
	}

	/**
	 * A small read-only pool named "replica" that starts even when the replica is down:
	 * the lag policy decides what a job does then.
	 */
	public static HikariDataSource replicaPool(String url, String username, String password,
			ReplicaProperties properties) {
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setPoolName("replica");
		dataSource.setJdbcUrl(url);
		dataSource.setUsername(username);
		dataSource.setPassword(password);
		dataSource.setReadOnly(true);
		// read-only in autocommit too, should the URL name a writable server
		dataSource.addDataSourceProperty("options", "-c default_transaction_read_only=on");
		dataSource.setMaximumPoolSize(properties.maximumPoolSize());
		dataSource.setMinimumIdle(1);
		dataSource.setConnectionTimeout(properties.connectionTimeout().toMillis());
		dataSource.setInitializationFailTimeout(-1);
		return dataSource;
	}

}
