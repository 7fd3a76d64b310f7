package dev.healthscore.jobs.archive;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import dev.healthscore.io.DataSizes;
import dev.healthscore.io.Durations;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveSettings.Compression;
import dev.healthscore.io.s3.S3Timeouts;
import dev.healthscore.io.s3.S3OutputStream;
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
 * @param connectTimeout how long a connection to S3 may take to open
 * @param readTimeout how long S3 may stay silent while an answer is awaited or read
 * @param apiCallAttemptTimeout how long one attempt of an S3 call may take, the upload of
 * a part included
 * @param apiCallTimeout how long an S3 call may take, all its attempts included
 * @param maxAttempts attempts of an S3 call, the first included; unset for the SDK's
 * default
 */
@ConfigurationProperties("healthscore.archive")
public record ArchiveProperties(String bucket, String prefix, URI endpoint, String region, DataSize targetFileSize,
		DataSize rowGroupSize, DataSize partSize, Compression compression, ServerSideEncryption.Mode encryption,
		String kmsKeyId, Integer hotMonths, Duration gracePeriod, Integer sortBufferRows, Path sortDirectory,
		Duration connectTimeout, Duration readTimeout, Duration apiCallAttemptTimeout, Duration apiCallTimeout,
		Integer maxAttempts) {

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

	/**
	 * The widest hot window: 100 years of complete months. Its cut-off is already before
	 * any reading (devices count time from 1970): a wider one archives nothing, and one
	 * near the largest int put the cut-off in year -178954944, where the run archived
	 * nothing and completed.
	 */
	public static final int HOT_MONTHS_MAX = 1200;

	/** Default grace period: 7 days. */
	public static final Duration GRACE_PERIOD_DEFAULT = Duration.ofDays(7);

	/**
	 * The longest grace period: 100 years. A run adds it to the time a month was
	 * detached; a much longer one ({@code 1000000000000d}) overflowed that date and
	 * failed every run that reached a detached month.
	 */
	public static final Duration GRACE_PERIOD_MAX = Duration.ofDays(36500);

	/** Default rows of one user sorted in memory: 500,000. */
	public static final int SORT_BUFFER_ROWS_DEFAULT = ArchiveSettings.SORT_BUFFER_ROWS_DEFAULT;

	/** Default connect timeout: 2 seconds, the SDK's. */
	public static final Duration CONNECT_TIMEOUT_DEFAULT = Duration.ofSeconds(2);

	/** Default read timeout: 30 seconds, the SDK's. */
	public static final Duration READ_TIMEOUT_DEFAULT = Duration.ofSeconds(30);

	/**
	 * Default attempt timeout: 5 minutes, the upload of a 16MB part at 56KB/s (the SDK
	 * sets none).
	 */
	public static final Duration API_CALL_ATTEMPT_TIMEOUT_DEFAULT = Duration.ofMinutes(5);

	/**
	 * Default call timeout: 15 minutes, three attempts that time out (the SDK sets none).
	 */
	public static final Duration API_CALL_TIMEOUT_DEFAULT = Duration.ofMinutes(15);

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
		connectTimeout = positive("connect-timeout", connectTimeout, CONNECT_TIMEOUT_DEFAULT);
		readTimeout = positive("read-timeout", readTimeout, READ_TIMEOUT_DEFAULT);
		apiCallAttemptTimeout = positive("api-call-attempt-timeout", apiCallAttemptTimeout,
				API_CALL_ATTEMPT_TIMEOUT_DEFAULT);
		apiCallTimeout = positive("api-call-timeout", apiCallTimeout, API_CALL_TIMEOUT_DEFAULT);
		if (maxAttempts != null && maxAttempts < 1) {
			throw invalid("max-attempts", "must be at least 1", maxAttempts);
		}
		if (hotMonths < 0) {
			throw invalid("hot-months", "must not be negative", hotMonths);
		}
		if (hotMonths > HOT_MONTHS_MAX) {
			throw invalid("hot-months",
					"must be at most " + HOT_MONTHS_MAX
							+ " (100 years: a wider hot window reaches back before any reading, and archives nothing)",
					hotMonths);
		}
		if (sortBufferRows < 1) {
			throw invalid("sort-buffer-rows", "must be at least 1", sortBufferRows);
		}
		if (gracePeriod.isNegative()) {
			throw invalid("grace-period", "must not be negative", Durations.format(gracePeriod));
		}
		if (gracePeriod.compareTo(GRACE_PERIOD_MAX) > 0) {
			throw invalid("grace-period", "must be at most " + Durations.format(GRACE_PERIOD_MAX)
					+ " (100 years: the run adds it to the time a month was detached, and a longer one overflows that"
					+ " date)", Durations.format(gracePeriod));
		}
		if (endpoint != null && (bucket == null || bucket.isBlank())) {
			throw new IllegalArgumentException(
					"Missing healthscore.archive.bucket: it is required with healthscore.archive.endpoint=" + endpoint);
		}
		// the builder of ArchiveSettings checks these too, but names its own fields;
		// the ECS task sets the bucket and the prefix as environment variables
		if (bucket != null && bucket.isBlank()) {
			throw invalid("bucket (HEALTHSCORE_ARCHIVE_BUCKET)",
					"must not be blank (leave it unset for the embedded server)", "'" + bucket + "'");
		}
		if (prefix.startsWith("/") || prefix.endsWith("/")) {
			throw invalid("prefix (HEALTHSCORE_ARCHIVE_PREFIX)", "must not start or end with '/'", prefix);
		}
		if (targetFileSize.toBytes() <= 0) {
			throw invalid("target-file-size", "must be positive", DataSizes.format(targetFileSize));
		}
		if (rowGroupSize.toBytes() <= 0) {
			throw invalid("row-group-size", "must be positive", DataSizes.format(rowGroupSize));
		}
		if (partSize.toBytes() < S3OutputStream.MIN_PART_SIZE) {
			throw invalid("part-size", "must be at least "
					+ DataSizes.format(DataSize.ofBytes(S3OutputStream.MIN_PART_SIZE)) + " (S3's minimum)",
					DataSizes.format(partSize));
		}
		if (partSize.toBytes() > Integer.MAX_VALUE) {
			throw invalid("part-size", "must be less than 2GB", DataSizes.format(partSize));
		}
		if (kmsKeyId != null && !kmsKeyId.isBlank() && encryption != ServerSideEncryption.Mode.SSE_KMS) {
			String mode = encryption.name().toLowerCase(Locale.ROOT).replace('_', '-');
			throw invalid("kms-key-id", "it needs healthscore.archive.encryption=sse-kms, not " + mode, kmsKeyId);
		}
	}

	/**
	 * The refusal of a setting's value: {@code Invalid healthscore.archive.<setting>,
	 * <requirement>: <value>}.
	 */
	private static IllegalArgumentException invalid(String setting, String requirement, Object value) {
		return new IllegalArgumentException(
				"Invalid healthscore.archive." + setting + ", " + requirement + ": " + value);
	}

	private static Duration positive(String name, Duration timeout, Duration defaultTimeout) {
		if (timeout == null) {
			return defaultTimeout;
		}
		if (timeout.isZero() || timeout.isNegative()) {
			// zero is no timeout at all to a socket and to the SDK: every call is to end
			throw invalid(name, "must be positive", Durations.format(timeout));
		}
		return timeout;
	}

	/**
	 * Returns the timeouts of the archive's S3 client.
	 * @return the timeouts
	 */
	public S3Timeouts s3Timeouts() {
		return new S3Timeouts(this.connectTimeout, this.readTimeout, this.apiCallAttemptTimeout, this.apiCallTimeout,
				this.maxAttempts);
	}

	/**
	 * Returns the setting that bounds a timeout, with its value, as a message of a call
	 * that timed out names it.
	 * @param timeout the timeout
	 * @return the description
	 */
	public String describe(S3Timeouts.Timeout timeout) {
		return switch (timeout) {
			case CONNECT ->
				"no connection within healthscore.archive.connect-timeout=" + Durations.format(this.connectTimeout);
			case READ ->
				"no answer within healthscore.archive.read-timeout=" + Durations.format(this.readTimeout) + attempts();
			case API_CALL_ATTEMPT -> "not done within healthscore.archive.api-call-attempt-timeout="
					+ Durations.format(this.apiCallAttemptTimeout) + attempts();
			case API_CALL -> "not done within healthscore.archive.api-call-timeout="
					+ Durations.format(this.apiCallTimeout) + ", all attempts included";
		};
	}

	private String attempts() {
		return (this.maxAttempts != null)
				? ", in each of healthscore.archive.max-attempts=" + this.maxAttempts + " attempts"
				: ", in each attempt";
	}

	/**
	 * Returns whether S3 is configured; if not, the embedded default serves it.
	 * @return true when a bucket or an endpoint is set
	 */
	public boolean storageConfigured() {
		return this.bucket != null || this.endpoint != null;
	}

	/**
	 * Returns the archive settings, checked as they were bound.
	 * @return the settings
	 */
	public ArchiveSettings settings() {
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
