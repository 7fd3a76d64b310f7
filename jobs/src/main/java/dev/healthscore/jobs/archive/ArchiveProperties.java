package dev.healthscore.jobs.archive;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import dev.healthscore.io.Durations;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveSettings.Compression;
import dev.healthscore.io.s3.ServerSideEncryption;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the {@code archive} and {@code restore} jobs
 * ({@code healthscore.archive.*}). Without a bucket and an endpoint the application
 * starts an in-process S3 server (the embedded default).
 *
 * @param bucket the S3 bucket; unset for the embedded default, whose bucket is
 * {@value #EMBEDDED_BUCKET}
 * @param prefix the key prefix inside the bucket, without slashes around it
 * @param endpoint an S3-compatible endpoint instead of AWS's (path-style requests); unset
 * for AWS
 * @param region the AWS region; unset for the SDK's default lookup ({@code AWS_REGION},
 * profile, instance metadata)
 * @param targetFileSize size after which a month's next {@code part-NNNNN.parquet} file
 * starts
 * @param rowGroupSize the Parquet row group size
 * @param partSize the multipart upload part size, at least 5MB
 * @param compression the Parquet page compression, {@code zstd} or {@code snappy}
 * @param encryption server-side encryption: {@code bucket-default}, {@code sse-s3} or
 * {@code sse-kms}
 * @param kmsKeyId the KMS key id or ARN for {@code sse-kms}; unset for the account's
 * {@code aws/s3} key
 * @param hotMonths complete months that stay in PostgreSQL before the current one; older
 * months are archived
 * @param gracePeriod how long a detached partition is kept before a later run drops it
 * @param sortBufferRows rows of one user that an export sorts in memory; a user with more
 * is sorted in runs of that many in temporary files
 * @param sortDirectory where those temporary files go; unset for {@code java.io.tmpdir}
 */
@ConfigurationProperties("healthscore.archive")
public record ArchiveProperties(String bucket, String prefix, URI endpoint, String region, DataSize targetFileSize,
		DataSize rowGroupSize, DataSize partSize, Compression compression, ServerSideEncryption.Mode encryption,
		String kmsKeyId, Integer hotMonths, Duration gracePeriod, Integer sortBufferRows, Path sortDirectory) {

	/** The bucket of the embedded default. */
	public static final String EMBEDDED_BUCKET = "healthscore-archive";

	/** Default prefix: none. */
	public static final String PREFIX_DEFAULT = "";

	/** Default target file size: 256MB. */
	public static final DataSize TARGET_FILE_SIZE_DEFAULT = DataSize.ofBytes(ArchiveSettings.TARGET_FILE_SIZE_DEFAULT);

	/** Default row group size: 64MB. */
	public static final DataSize ROW_GROUP_SIZE_DEFAULT = DataSize.ofBytes(ArchiveSettings.ROW_GROUP_SIZE_DEFAULT);

	/** Default part size: 16MB. */
	public static final DataSize PART_SIZE_DEFAULT = DataSize.ofBytes(ArchiveSettings.PART_SIZE_DEFAULT);

	/** Default compression: zstd. */
	public static final Compression COMPRESSION_DEFAULT = ArchiveSettings.COMPRESSION_DEFAULT;

	/**
	 * Default encryption: the bucket's own (the production bucket encrypts with its KMS
	 * key).
	 */
	public static final ServerSideEncryption.Mode ENCRYPTION_DEFAULT = ServerSideEncryption.Mode.BUCKET_DEFAULT;

	/** Default hot window: 13 complete months. */
	public static final int HOT_MONTHS_DEFAULT = 13;

	/** Default grace period: 7 days. */
	public static final Duration GRACE_PERIOD_DEFAULT = Duration.ofDays(7);

	/** Default rows of one user sorted in memory: 500,000. */
	public static final int SORT_BUFFER_ROWS_DEFAULT = ArchiveSettings.SORT_BUFFER_ROWS_DEFAULT;

	public ArchiveProperties {
		prefix = (prefix != null) ? prefix : PREFIX_DEFAULT;
		targetFileSize = (targetFileSize != null) ? targetFileSize : TARGET_FILE_SIZE_DEFAULT;
		rowGroupSize = (rowGroupSize != null) ? rowGroupSize : ROW_GROUP_SIZE_DEFAULT;
		partSize = (partSize != null) ? partSize : PART_SIZE_DEFAULT;
		compression = (compression != null) ? compression : COMPRESSION_DEFAULT;
		encryption = (encryption != null) ? encryption : ENCRYPTION_DEFAULT;
		hotMonths = (hotMonths != null) ? hotMonths : HOT_MONTHS_DEFAULT;
		gracePeriod = (gracePeriod != null) ? gracePeriod : GRACE_PERIOD_DEFAULT;
		sortBufferRows = (sortBufferRows != null) ? sortBufferRows : SORT_BUFFER_ROWS_DEFAULT;
		if (hotMonths < 0) {
			throw new IllegalArgumentException(
					"Invalid healthscore.archive.hot-months, must not be negative: " + hotMonths);
		}
		if (sortBufferRows < 1) {
			throw new IllegalArgumentException(
					"Invalid healthscore.archive.sort-buffer-rows, must be at least 1: " + sortBufferRows);
		}
		if (gracePeriod.isNegative()) {
			throw new IllegalArgumentException(
					"Invalid healthscore.archive.grace-period, must not be negative: " + Durations.format(gracePeriod));
		}
		if (endpoint != null && (bucket == null || bucket.isBlank())) {
			throw new IllegalArgumentException(
					"Missing healthscore.archive.bucket: it is required with healthscore.archive.endpoint=" + endpoint);
		}
	}

	/**
	 * Returns whether S3 is configured; if not, the embedded default serves it.
	 * @return true when a bucket or an endpoint is set
	 */
	public boolean storageConfigured() {
		return this.bucket != null || this.endpoint != null;
	}

	/**
	 * Returns the archive settings, checked.
	 * @return the settings
	 */
	public ArchiveSettings settings() {
		if (this.partSize.toBytes() > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("Invalid healthscore.archive.part-size, too large: " + this.partSize);
		}
		return ArchiveSettings.builder(storageConfigured() ? this.bucket : EMBEDDED_BUCKET)
			.prefix(this.prefix)
			.targetFileSize(this.targetFileSize.toBytes())
			.rowGroupSize(this.rowGroupSize.toBytes())
			.partSize((int) this.partSize.toBytes())
			.compression(this.compression)
			.encryption(new ServerSideEncryption(this.encryption,
					(this.kmsKeyId == null || this.kmsKeyId.isBlank()) ? null : this.kmsKeyId))
			.sortBufferRows(this.sortBufferRows)
			.sortDirectory(this.sortDirectory)
			.build();
	}

}
