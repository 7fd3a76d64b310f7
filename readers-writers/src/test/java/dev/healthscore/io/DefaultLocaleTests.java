package dev.healthscore.io;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Locale;

import dev.healthscore.io.archive.ArchiveLayout;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.replica.ReplicaLag;
import dev.healthscore.io.s3.EmbeddedS3Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Object keys, SQL and messages do not follow the JVM's default locale: under Egyptian
 * Arabic, {@code String.format("%d")} writes Arabic-Indic digits and a Turkish locale
 * writes decimal commas, which would name objects, SQL literals and logged numbers
 * differently on an operator's laptop than in the task. The in-process S3 server, whose
 * dates follow the default locale, still answers in a form the AWS SDK reads.
 */
class DefaultLocaleTests {

	private Locale saved;

	@BeforeEach
	void arabic() {
		this.saved = Locale.getDefault();
		Locale.setDefault(Locale.forLanguageTag("ar-EG"));
	}

	@AfterEach
	void restore() {
		Locale.setDefault(this.saved);
	}

	@Test
	void theDefaultLocaleIsOneThatLocalizesDigits() {
		assertThat(String.format("%d", 7)).isNotEqualTo("7");
	}

	@Test
	void archiveObjectKeysUseAsciiDigits() {
		assertThat(
				new ArchiveLayout("bucket", "archive").dataFile(ArchiveTable.HEALTH_READING, YearMonth.of(2025, 1), 3)
					.key())
			.isEqualTo("archive/health_reading/month=2025-01/part-00003.parquet");
	}

	@Test
	void theEmbeddedS3ServerAnswersTheSdkReadably() {
		try (EmbeddedS3Server server = EmbeddedS3Server.inMemory(); S3Client s3 = server.newClient()) {
			server.createBucket("locale");
			s3.putObject((request) -> request.bucket("locale").key("a"), RequestBody.fromString("a"));
			// the listing's LastModified is a date S3Proxy formats
			assertThat(s3.listObjectsV2((request) -> request.bucket("locale")).contents()).singleElement()
				.satisfies((object) -> assertThat(object.lastModified()).isNotNull());
			assertThat(s3.headObject((request) -> request.bucket("locale").key("a")).lastModified()).isNotNull();
		}
	}

	@Test
	void lagMessagesUseAsciiDigitsAndCommaGrouping() {
		Instant now = Instant.parse("2025-01-01T00:00:00Z");
		ReplicaLag lag = new ReplicaLag(1_048_576, now.minusMillis(12_500), Duration.ofMillis(12_500), false, now, null,
				false);
		assertThat(lag.describe()).isEqualTo("12,500 ms (1,048,576 bytes of WAL)");
	}

}
