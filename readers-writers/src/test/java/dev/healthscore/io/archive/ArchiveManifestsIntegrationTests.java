package dev.healthscore.io.archive;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.YearMonth;
import java.util.List;

import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.io.s3.ServerSideEncryption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ArchiveManifests} reading manifests from the in-process S3 server, as
 * S3 answers a caller that may list the archive prefix but not with the object's key as
 * the condition: 403 instead of 404 for an object that does not exist.
 */
class ArchiveManifestsIntegrationTests {

	private static final String BUCKET = "manifests";

	private static final ArchiveLayout LAYOUT = new ArchiveLayout(BUCKET, "archive");

	private static EmbeddedS3Server server;

	private static S3Client s3;

	@BeforeAll
	static void startServer() {
		server = EmbeddedS3Server.inMemory();
		server.createBucket(BUCKET);
		s3 = server.newClient();
	}

	@AfterAll
	static void stopServer() {
		try {
			s3.close();
		}
		finally {
			server.close();
		}
	}

	@Test
	void aMissingManifestThatS3RefusesInsteadOfNotFindingIsMissing() {
		// an export that stopped before writing its manifest: read back, the month is
		// exported again, instead of every run failing with access denied
		ArchiveManifests manifests = new ArchiveManifests(refusing(false), LAYOUT);
		assertThat(manifests.read(ArchiveTable.HEALTH_READING, YearMonth.of(2024, 11))).isNull();
	}

	@Test
	void aManifestThatExistsAndIsRefusedIsARefusal() {
		YearMonth month = YearMonth.of(2024, 12);
		new ArchiveManifests(s3, LAYOUT).write(manifest(month), ServerSideEncryption.BUCKET_DEFAULT);
		assertThat(new ArchiveManifests(s3, LAYOUT).read(ArchiveTable.HEALTH_READING, month))
			.isEqualTo(manifest(month));
		// a key S3 refuses (a KMS key the role may not use, a policy): not "missing", or
		// the month would be exported over its verified copy on every run
		ArchiveManifests manifests = new ArchiveManifests(refusing(true), LAYOUT);
		assertThatExceptionOfType(S3Exception.class)
			.isThrownBy(() -> manifests.read(ArchiveTable.HEALTH_READING, month))
			.satisfies((ex) -> assertThat(ex.statusCode()).isEqualTo(403));
	}

	private static ArchiveManifest manifest(YearMonth month) {
		String folder = LAYOUT.folder(ArchiveTable.HEALTH_READING, month).uri();
		return new ArchiveManifest(ArchiveManifest.FORMAT_VERSION, "health_reading", month.toString(),
				ArchiveTable.HEALTH_READING.partitionName(month), 42L, "2025-03-01T02:00:00Z", null, folder, "ZSTD",
				"message health_reading {}", 3, null, 1234,
				List.of(new ArchiveFile(LAYOUT.dataFile(ArchiveTable.HEALTH_READING, month, 0).key(), 3, 1234, null,
						"ab".repeat(32))));
	}

	/**
	 * The real client, with S3's answer to a caller without {@code s3:ListBucket} for the
	 * key: 403 for a missing object, and with {@code everything} for every object read.
	 */
	private static S3Client refusing(boolean everything) {
		return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] { S3Client.class },
				(proxy, method, args) -> {
					if (method.getName().startsWith("getObject") && everything) {
						throw accessDenied();
					}
					try {
						return method.invoke(s3, args);
					}
					catch (InvocationTargetException ex) {
						if (ex.getCause() instanceof NoSuchKeyException && method.getName().startsWith("getObject")) {
							throw accessDenied();
						}
						throw ex.getCause();
					}
				});
	}

	private static S3Exception accessDenied() {
		return (S3Exception) S3Exception.builder()
			.statusCode(403)
			.message("Access Denied")
			.awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").errorMessage("Access Denied").build())
			.build();
	}

}
