package dev.healthscore.jobs.archive;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Map;

import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.s3.S3FailureContext;
import dev.healthscore.io.s3.S3Timeouts;
import dev.healthscore.jobs.SettingsBinding;
import dev.healthscore.io.s3.ServerSideEncryption;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ArchivePropertiesTests {

	@Test
	void unsetPropertiesTakeTheNamedDefaultsAndTheEmbeddedBucket() {
		ArchiveProperties properties = properties(null, null, null);
		assertThat(properties.storageConfigured()).isFalse();
		assertThat(properties.hotMonths()).isEqualTo(ArchiveProperties.HOT_MONTHS_DEFAULT).isEqualTo(13);
		assertThat(properties.gracePeriod()).isEqualTo(Duration.ofDays(7));
		ArchiveSettings settings = properties.settings();
		assertThat(settings.bucket()).isEqualTo(ArchiveProperties.EMBEDDED_BUCKET);
		assertThat(settings.prefix()).isEmpty();
		assertThat(settings.targetFileSize()).isEqualTo(ArchiveSettings.TARGET_FILE_SIZE_DEFAULT);
		assertThat(settings.compression()).isEqualTo(ArchiveSettings.Compression.ZSTD);
		assertThat(settings.encryption()).isEqualTo(ServerSideEncryption.BUCKET_DEFAULT);
	}

	@Test
	void kmsEncryptionCarriesItsKey() {
		ArchiveProperties properties = new ArchiveProperties("bucket", "archive", null, null, DataSize.ofMegabytes(128),
				null, null, ArchiveSettings.Compression.SNAPPY, ServerSideEncryption.Mode.SSE_KMS, "alias/archive",
				null, null, null, null, null, null, null, null, null);
		assertThat(properties.storageConfigured()).isTrue();
		assertThat(properties.settings().encryption()).isEqualTo(ServerSideEncryption.kms("alias/archive"));
		assertThat(properties.settings().targetFileSize()).isEqualTo(128L * 1024 * 1024);
	}

	@Test
	void theSortBufferAndItsDirectoryAreBoundAndReachTheSettings() {
		assertThat(properties(null, null, null).settings().sortBufferRows()).isEqualTo(500_000);
		ArchiveProperties properties = new Binder(new MapConfigurationPropertySource(Map
			.of("healthscore.archive.sort-buffer-rows", "20000", "healthscore.archive.sort-directory", "/scratch")))
			.bindOrCreate("healthscore.archive", ArchiveProperties.class);
		assertThat(properties.settings().sortBufferRows()).isEqualTo(20_000);
		assertThat(properties.settings().sortDirectory()).isEqualTo(Path.of("/scratch"));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ArchiveProperties(null, null, null, null, null, null, null, null, null, null, null,
					null, 0, null, null, null, null, null, null))
			.withMessage("Invalid healthscore.archive.sort-buffer-rows, must be at least 1: 0");
	}

	/** As --hot-months: the largest int put the cut-off in year -178954944. */
	@Test
	void aHotWindowWiderThanACenturyIsRefusedAsTheOptionIs() {
		assertThat(new Binder(new MapConfigurationPropertySource(Map.of("healthscore.archive.hot-months", "1200")))
			.bindOrCreate("healthscore.archive", ArchiveProperties.class)
			.hotMonths()).isEqualTo(1200);
		assertThatException()
			.isThrownBy(() -> new Binder(
					new MapConfigurationPropertySource(Map.of("healthscore.archive.hot-months", "2147483647")))
				.bindOrCreate("healthscore.archive", ArchiveProperties.class))
			.havingRootCause()
			.withMessage("Invalid healthscore.archive.hot-months, must be at most 1200 (100 years: a wider hot window"
					+ " reaches back before any reading, and archives nothing): 2147483647");
	}

	/**
	 * A grace period of 1000000000000d overflowed the time a detached month's grace ends,
	 * failing every run that reached one.
	 */
	@Test
	void aGracePeriodOfMoreThanACenturyIsRefused() {
		assertThat(new Binder(new MapConfigurationPropertySource(Map.of("healthscore.archive.grace-period", "36500d")))
			.bindOrCreate("healthscore.archive", ArchiveProperties.class)
			.gracePeriod()).isEqualTo(Duration.ofDays(36500));
		assertThatException()
			.isThrownBy(() -> new Binder(
					new MapConfigurationPropertySource(Map.of("healthscore.archive.grace-period", "1000000000000d")))
				.bindOrCreate("healthscore.archive", ArchiveProperties.class))
			.havingRootCause()
			.withMessage("Invalid healthscore.archive.grace-period, must be at most 36500d (100 years: the run adds it"
					+ " to the time a month was detached, and a longer one overflows that date): 1000000000000d");
	}

	@Test
	void aNegativeGracePeriodIsRefusedInTheFormOfTheSetting() {
		assertThatException().isThrownBy(
				() -> new Binder(new MapConfigurationPropertySource(Map.of("healthscore.archive.grace-period", "-36h")))
					.bindOrCreate("healthscore.archive", ArchiveProperties.class))
			.havingRootCause()
			.withMessage("Invalid healthscore.archive.grace-period, must not be negative: -36h");
	}

	@Test
	void unsetS3TimeoutsTakeTheDefaults() {
		assertThat(properties(null, null, null).s3Timeouts()).isEqualTo(new S3Timeouts(Duration.ofSeconds(2),
				Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(15), null));
	}

	@Test
	void theS3TimeoutsAreBoundAndReachTheArchiveClientsConfiguration() {
		ArchiveProperties properties = new Binder(new MapConfigurationPropertySource(
				Map.of("healthscore.archive.endpoint", "http://127.0.0.1:9000", "healthscore.archive.bucket", "archive",
						"healthscore.archive.region", "us-east-1", "healthscore.archive.connect-timeout", "3s",
						"healthscore.archive.read-timeout", "45s", "healthscore.archive.api-call-attempt-timeout",
						"10m", "healthscore.archive.api-call-timeout", "1h", "healthscore.archive.max-attempts", "6")))
			.bindOrCreate("healthscore.archive", ArchiveProperties.class);
		assertThat(properties.s3Timeouts()).isEqualTo(new S3Timeouts(Duration.ofSeconds(3), Duration.ofSeconds(45),
				Duration.ofMinutes(10), Duration.ofHours(1), 6));
		try (S3Client client = new ArchiveStorageConfiguration().archiveS3Client(properties)) {
			ClientOverrideConfiguration configuration = client.serviceClientConfiguration().overrideConfiguration();
			assertThat(configuration.apiCallAttemptTimeout()).contains(Duration.ofMinutes(10));
			assertThat(configuration.apiCallTimeout()).contains(Duration.ofHours(1));
			assertThat(configuration.retryStrategy()).get().extracting(RetryStrategy::maxAttempts).isEqualTo(6);
			// the failures still name their request, as the interceptor added before
			// the timeouts does
			assertThat(configuration.executionInterceptors()).hasAtLeastOneElementOfType(S3FailureContext.class);
		}
	}

	@Test
	void aTimeoutThatIsNotPositiveOrNoAttemptIsRefusedNamingTheSetting() {
		Map<String, String> refused = Map.of("connect-timeout", "0s", "read-timeout", "-5s", "api-call-attempt-timeout",
				"0ms", "api-call-timeout", "-1m", "max-attempts", "0");
		Map<String, String> messages = Map.of("connect-timeout",
				"Invalid healthscore.archive.connect-timeout, must be positive: 0s", "read-timeout",
				"Invalid healthscore.archive.read-timeout, must be positive: -5s", "api-call-attempt-timeout",
				"Invalid healthscore.archive.api-call-attempt-timeout, must be positive: 0s", "api-call-timeout",
				"Invalid healthscore.archive.api-call-timeout, must be positive: -1m", "max-attempts",
				"Invalid healthscore.archive.max-attempts, must be at least 1: 0");
		refused.forEach((name, value) -> assertThatExceptionOfType(BindException.class)
			.isThrownBy(
					() -> new Binder(new MapConfigurationPropertySource(Map.of("healthscore.archive." + name, value)))
						.bindOrCreate("healthscore.archive", ArchiveProperties.class))
			.as(name)
			.havingRootCause()
			.isInstanceOf(IllegalArgumentException.class)
			.withMessage(messages.get(name)));
	}

	@Test
	void theSettingsTheArchiveSettingsBuilderChecksAreRefusedAsTheyAreBoundAndNamedAsTheyAreSet() {
		// the builder named none of them ("Part size must be at least 5 MiB (S3's
		// minimum): 1048576"), and refused them only as the context started: exit 1
		assertRefused(Map.of("healthscore.archive.part-size", "1MB"),
				"Invalid healthscore.archive.part-size, must be at least 5MB (S3's minimum): 1MB");
		assertRefused(Map.of("healthscore.archive.part-size", "3GB"),
				"Invalid healthscore.archive.part-size, must be less than 2GB: 3GB");
		assertRefused(Map.of("healthscore.archive.target-file-size", "0MB"),
				"Invalid healthscore.archive.target-file-size, must be positive: 0B");
		assertRefused(Map.of("healthscore.archive.row-group-size", "-64MB"),
				"Invalid healthscore.archive.row-group-size, must be positive: -64MB");
		assertRefused(Map.of("healthscore.archive.prefix", "/archive/"),
				"Invalid healthscore.archive.prefix (HEALTHSCORE_ARCHIVE_PREFIX), must not start or end with '/': /archive/");
		assertRefused(Map.of("healthscore.archive.bucket", " "),
				"Invalid healthscore.archive.bucket (HEALTHSCORE_ARCHIVE_BUCKET), must not be blank"
						+ " (leave it unset for the embedded server): ' '");
		assertRefused(
				Map.of("healthscore.archive.encryption", "sse-s3", "healthscore.archive.kms-key-id", "alias/archive"),
				"Invalid healthscore.archive.kms-key-id, it needs healthscore.archive.encryption=sse-kms,"
						+ " not sse-s3: alias/archive");
	}

	@Test
	void theBoundsOfTheSizesAreAccepted() {
		ArchiveSettings settings = new Binder(new MapConfigurationPropertySource(Map.of("healthscore.archive.part-size",
				"5MB", "healthscore.archive.target-file-size", "1B", "healthscore.archive.row-group-size", "1B")))
			.bindOrCreate("healthscore.archive", ArchiveProperties.class)
			.settings();
		assertThat(settings.partSize()).isEqualTo(5 * 1024 * 1024);
		assertThat(settings.targetFileSize()).isEqualTo(1);
		assertThat(new Binder(new MapConfigurationPropertySource(Map.of("healthscore.archive.part-size", "2097151KB")))
			.bindOrCreate("healthscore.archive", ArchiveProperties.class)
			.settings()
			.partSize()).isEqualTo(Integer.MAX_VALUE - 1023);
	}

	@Test
	void anEndpointWithoutABucketIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> properties(null, URI.create("http://127.0.0.1:9000"), 13))
			.withMessage("Missing healthscore.archive.bucket: it is required with"
					+ " healthscore.archive.endpoint=http://127.0.0.1:9000");
	}

	@Test
	void theHotWindowKeepsThatManyCompleteMonthsBeforeTheCurrentOne() {
		Instant now = Instant.parse("2026-03-31T23:59:59Z");
		assertThat(ArchivePlan.cutOff(null, 13, now)).isEqualTo(YearMonth.of(2025, 2));
		assertThat(ArchivePlan.cutOff(null, 0, now)).isEqualTo(YearMonth.of(2026, 3));
		assertThat(ArchivePlan.cutOff("2024-07", 13, now)).isEqualTo(YearMonth.of(2024, 7));
		assertThat(ArchivePlan.cutOff(null, 13, Instant.parse("2026-04-01T00:00:00Z")))
			.isEqualTo(YearMonth.of(2025, 3));
		assertThatIllegalArgumentException().isThrownBy(() -> ArchivePlan.cutOff("2026-04", 13, now))
			.withMessage("Invalid --before=2026-04: it is after the current month 2026-03,"
					+ " whose partition is still being written");
	}

	private static void assertRefused(Map<String, String> settings, String message) {
		SettingsBinding.assertRefused("healthscore.archive", ArchiveProperties.class, settings, message);
	}

	private static ArchiveProperties properties(String bucket, URI endpoint, Integer hotMonths) {
		return new ArchiveProperties(bucket, null, endpoint, null, null, null, null, null, null, null, hotMonths, null,
				null, null, null, null, null, null, null);
	}

}
