package dev.healthscore.io.s3;

import java.net.URI;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Builds {@link S3Client}s for S3-compatible endpoints such as {@link EmbeddedS3Server}.
 */
public final class S3Clients {

	private S3Clients() {
	}

	/**
	 * Returns a client for an S3-compatible endpoint: path-style addressing, static keys,
	 * and checksums only where the S3 API requires them (compatible servers rarely
	 * implement the SDK's trailing flexible checksums); its failures name the request
	 * ({@link S3FailureContext}).
	 * @param endpoint the endpoint, for example {@code http://127.0.0.1:9000}
	 * @param region the signing region
	 * @param accessKey the access key id
	 * @param secretKey the secret key
	 * @return a new client, to be closed by the caller
	 */
	public static S3Client forEndpoint(URI endpoint, Region region, String accessKey, String secretKey) {
		return S3Client.builder()
			.endpointOverride(endpoint)
			.region(region)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
			.forcePathStyle(true)
			.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
			.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
			.overrideConfiguration((configuration) -> configuration.addExecutionInterceptor(new S3FailureContext()))
			.build();
	}

}
