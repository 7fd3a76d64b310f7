package dev.healthscore.jobs.archive;

import dev.healthscore.io.s3.S3FailureContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/**
 * The S3 client of a configured archive: AWS with the SDK's default credentials (the
 * task's IAM role; never keys in configuration) and region lookup, or an S3-compatible
 * endpoint; its failures name the request that failed ({@link S3FailureContext}), and a
 * call that timed out the setting of its timeout
 * ({@link ArchiveProperties#s3Timeouts()}). Created only when a job needs it.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(ArchiveStorageConfiguredCondition.class)
public class ArchiveStorageConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(ArchiveStorageConfiguration.class);

	@Bean(destroyMethod = "close")
	@Lazy
	S3Client archiveS3Client(ArchiveProperties properties) {
		S3ClientBuilder builder = properties.s3Timeouts()
			.applyTo(S3Client.builder()
				.overrideConfiguration((configuration) -> configuration
					.addExecutionInterceptor(new S3FailureContext(properties::describe))));
		if (properties.region() != null) {
			builder.region(region(properties));
		}
		if (properties.endpoint() != null) {
			// compatible servers use path-style addressing and rarely implement the
			// SDK's trailing checksums
			builder.endpointOverride(properties.endpoint())
				.forcePathStyle(true)
				.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
				.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
		}
		logger.info("Archive in s3://{}/{} ({})", properties.bucket(), properties.prefix(),
				(properties.endpoint() != null) ? properties.endpoint() : "AWS");
		try {
			return builder.build();
		}
		catch (SdkClientException ex) {
			if (properties.region() == null) {
				// the SDK's message lists its region providers, not this setting
				throw new IllegalStateException("Cannot find the AWS region of the archive bucket "
						+ properties.bucket() + ": set healthscore.archive.region (or AWS_REGION)", ex);
			}
			throw ex;
		}
	}

	/**
	 * The configured region, refused when it cannot be right: blank (a variable set from
	 * one that was not), or, for AWS, a name the SDK does not know (a typo would make
	 * every call fail on a host name that does not resolve, after the SDK's retries); the
	 * message says how to give a region newer than the SDK. An S3-compatible endpoint
	 * names its regions as it likes.
	 */
	static Region region(ArchiveProperties properties) {
		String region = properties.region();
		if (region.isBlank()) {
			throw new IllegalArgumentException("Invalid healthscore.archive.region (HEALTHSCORE_ARCHIVE_REGION), must"
					+ " not be blank (leave it unset for the SDK's lookup: AWS_REGION, the profile, the instance's"
					+ " region): '" + region + "'");
		}
		Region named = Region.of(region);
		if (properties.endpoint() == null && !Region.regions().contains(named)) {
			// the SDK's own lookup is not checked: the way past this for a region the
			// SDK's list does not have yet, whose endpoint it still resolves
			throw new IllegalArgumentException(("Invalid healthscore.archive.region, not an AWS region this build's SDK"
					+ " knows (such as eu-west-1 or us-east-1; check its spelling): %s. A region newer than this"
					+ " build: leave healthscore.archive.region unset and set AWS_REGION=%s, which is not checked, or"
					+ " also set healthscore.archive.endpoint=https://s3.%s.amazonaws.com")
				.formatted(region, region, region));
		}
		return named;
	}

}
