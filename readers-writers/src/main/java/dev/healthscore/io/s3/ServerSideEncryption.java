package dev.healthscore.io.s3;

import java.util.Locale;

import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * How S3 encrypts the objects we write: bucket default, SSE-S3, or SSE-KMS with a key.
 *
 * @param mode the encryption mode
 * @param kmsKeyId the KMS key id or ARN, only with {@link Mode#SSE_KMS} (null there means
 * the account's default {@code aws/s3} key)
 */
public record ServerSideEncryption(Mode mode, String kmsKeyId) {

	/** No encryption header: the bucket's default encryption applies. */
	public static final ServerSideEncryption BUCKET_DEFAULT = new ServerSideEncryption(Mode.BUCKET_DEFAULT, null);

	/** SSE-S3 (AES256, keys managed by S3). */
	public static final ServerSideEncryption SSE_S3 = new ServerSideEncryption(Mode.SSE_S3, null);

	public ServerSideEncryption {
		if (mode == null) {
			throw new IllegalArgumentException("Invalid server-side encryption, mode is null");
		}
		if (kmsKeyId != null && mode != Mode.SSE_KMS) {
			throw new IllegalArgumentException(
					"Invalid server-side encryption, a KMS key id needs mode sse-kms: " + mode);
		}
	}

	/**
	 * SSE-KMS with the given key.
	 * @param kmsKeyId the key id or ARN, or null for the account's default key
	 * @return the setting
	 */
	public static ServerSideEncryption kms(String kmsKeyId) {
		return new ServerSideEncryption(Mode.SSE_KMS, kmsKeyId);
	}

	/**
	 * Parses a configuration value: {@code bucket-default}, {@code sse-s3} or
	 * {@code sse-kms}.
	 * @param mode the mode text
	 * @param kmsKeyId the key id, only with {@code sse-kms}
	 * @return the setting
	 */
	public static ServerSideEncryption parse(String mode, String kmsKeyId) {
		String normalized = (mode != null) ? mode.trim().toUpperCase(Locale.ROOT).replace('-', '_') : "";
		Mode parsed;
		try {
			parsed = Mode.valueOf(normalized);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(
					"Invalid server-side encryption mode, expected bucket-default, sse-s3 or sse-kms: " + mode, ex);
		}
		return new ServerSideEncryption(parsed, (kmsKeyId == null || kmsKeyId.isBlank()) ? null : kmsKeyId);
	}

	/**
	 * Adds this setting's headers to a multipart upload.
	 * @param request the request being built
	 * @return the same builder
	 */
	public CreateMultipartUploadRequest.Builder applyTo(CreateMultipartUploadRequest.Builder request) {
		return switch (this.mode) {
			case BUCKET_DEFAULT -> request;
			case SSE_S3 ->
				request.serverSideEncryption(software.amazon.awssdk.services.s3.model.ServerSideEncryption.AES256);
			case SSE_KMS ->
				request.serverSideEncryption(software.amazon.awssdk.services.s3.model.ServerSideEncryption.AWS_KMS)
					.ssekmsKeyId(this.kmsKeyId);
		};
	}

	/**
	 * Adds this setting's headers to a single-request upload.
	 * @param request the request being built
	 * @return the same builder
	 */
	public PutObjectRequest.Builder applyTo(PutObjectRequest.Builder request) {
		return switch (this.mode) {
			case BUCKET_DEFAULT -> request;
			case SSE_S3 ->
				request.serverSideEncryption(software.amazon.awssdk.services.s3.model.ServerSideEncryption.AES256);
			case SSE_KMS ->
				request.serverSideEncryption(software.amazon.awssdk.services.s3.model.ServerSideEncryption.AWS_KMS)
					.ssekmsKeyId(this.kmsKeyId);
		};
	}

	/** Encryption modes. */
	public enum Mode {

		/** Send no header. */
		BUCKET_DEFAULT,

		/** AES256 with S3-managed keys. */
		SSE_S3,

		/** AWS KMS keys. */
		SSE_KMS

	}

}
