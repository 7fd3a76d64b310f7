package dev.healthscore.jobs.embedded;

import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.jobs.archive.ArchiveProperties;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/**
 * The embedded default of the archive: with no bucket and no endpoint configured, an
 * S3-compatible server in this process (objects in memory, gone when the application
 * stops) with the archive's bucket, spoken to over HTTP by the real AWS SDK client.
 * Started only when a job needs S3.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(NoArchiveStorageConfiguredCondition.class)
public class EmbeddedS3Configuration {

	@Bean(destroyMethod = "close")
	@Lazy
	EmbeddedS3Server embeddedS3Server(ArchiveProperties properties) {
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
