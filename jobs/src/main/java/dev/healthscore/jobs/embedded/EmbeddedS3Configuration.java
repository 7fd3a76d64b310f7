package dev.healthscore.jobs.embedded;

import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.jobs.archive.ArchiveProperties;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * The embedded default of the archive: with no bucket and no endpoint configured, an
 * S3-compatible server in this process (objects in memory, gone when the application
 * stops) with the archive's bucket, spoken to over HTTP by the real AWS SDK client.
 * Started only when a job needs S3, and refused with a configured database, which
 * outlives the objects.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(NoArchiveStorageConfiguredCondition.class)
public class EmbeddedS3Configuration {

	@Bean(destroyMethod = "close")
	@Lazy
	EmbeddedS3Server embeddedS3Server(ArchiveProperties properties, Environment environment) {
		// a configured database outlives this process: a month archived to memory
		// would be detached, and dropped after the grace period, with no copy left
		if (StringUtils.hasText(environment.getProperty("spring.datasource.url"))) {
			throw new IllegalStateException("Cannot use the in-process S3 server (objects in memory, lost when the"
					+ " process exits) with a configured database (spring.datasource.url): set"
					+ " healthscore.archive.bucket (HEALTHSCORE_ARCHIVE_BUCKET), and healthscore.archive.endpoint"
					+ " for an S3-compatible server");
		}
		EmbeddedS3Server server = EmbeddedS3Server.inMemory();
		server.createBucket(properties.settings().bucket());
		return server;
	}

	@Bean(destroyMethod = "close")
	@Lazy
	S3Client archiveS3Client(EmbeddedS3Server embeddedS3Server) {
		return embeddedS3Server.newClient();
	}

}
