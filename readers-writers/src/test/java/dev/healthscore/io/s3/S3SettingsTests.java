package dev.healthscore.io.s3;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link S3Location} and {@link ServerSideEncryption}.
 */
class S3SettingsTests {

	@Test
	void locationParsesAndResolves() {
		S3Location folder = S3Location.parse("s3://archive/v1/health_reading/");
		assertThat(folder).isEqualTo(new S3Location("archive", "v1/health_reading/"));
		assertThat(folder.resolve("part-00000.parquet").uri())
			.isEqualTo("s3://archive/v1/health_reading/part-00000.parquet");
		assertThat(new S3Location("archive", "").resolve("a").key()).isEqualTo("a");
		assertThatIllegalArgumentException().isThrownBy(() -> S3Location.parse("http://archive/x"))
			.withMessage("Invalid S3 URI, expected s3://bucket/key: http://archive/x");
	}

	@Test
	void kmsSettingAddsAlgorithmAndKeyToBothUploadKinds() {
		ServerSideEncryption kms = ServerSideEncryption.parse("sse-kms", "alias/archive");
		CreateMultipartUploadRequest multipart = kms.applyTo(CreateMultipartUploadRequest.builder()).build();
		assertThat(multipart.serverSideEncryptionAsString()).isEqualTo("aws:kms");
		assertThat(multipart.ssekmsKeyId()).isEqualTo("alias/archive");
		PutObjectRequest put = kms.applyTo(PutObjectRequest.builder()).build();
		assertThat(put.serverSideEncryptionAsString()).isEqualTo("aws:kms");
		assertThat(put.ssekmsKeyId()).isEqualTo("alias/archive");
	}

	@Test
	void s3ManagedAndBucketDefaultSettings() {
		assertThat(ServerSideEncryption.parse("SSE-S3", "")
			.applyTo(PutObjectRequest.builder())
			.build()
			.serverSideEncryptionAsString()).isEqualTo("AES256");
		assertThat(ServerSideEncryption.parse("bucket-default", null)
			.applyTo(PutObjectRequest.builder())
			.build()
			.serverSideEncryption()).isNull();
	}

	@Test
	void badSettingsAreRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> ServerSideEncryption.parse("aes", null))
			.withMessage("Invalid server-side encryption mode, expected bucket-default, sse-s3 or sse-kms: aes");
		assertThatIllegalArgumentException().isThrownBy(() -> ServerSideEncryption.parse("sse-s3", "key"))
			.withMessage("Invalid server-side encryption, a KMS key id needs mode sse-kms: SSE_S3");
	}

}
