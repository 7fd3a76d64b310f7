package dev.healthscore.io.archive;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;

import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ArchiveManifest} JSON and {@link ChecksumSql} query text.
 */
class ArchiveManifestsTests {

	private static final ArchiveManifest MANIFEST = new ArchiveManifest(ArchiveManifest.FORMAT_VERSION,
			"health_reading", "2025-01", "health_reading_2025_01", 42L, "2025-03-01T02:00:00Z", "2025-03-01T02:05:00Z",
			"s3://archive/health_reading/month=2025-01/", "ZSTD", "message health_reading {}", 3, "00000000000000ff",
			1234, List.of(new ArchiveFile("health_reading/month=2025-01/part-00000.parquet", 3, 1234,
					"00000000000000ff", "ab".repeat(32))));

	/** As the export writes it: no checksums until verification. */
	private static final ArchiveManifest EXPORTED = new ArchiveManifest(ArchiveManifest.FORMAT_VERSION,
			"health_reading", "2025-01", "health_reading_2025_01", 42L, "2025-03-01T02:00:00Z", null,
			"s3://archive/health_reading/month=2025-01/", "ZSTD", "message health_reading {}", 5, null, 3000,
			List.of(new ArchiveFile("health_reading/month=2025-01/part-00000.parquet", 3, 1000, null, "a"),
					new ArchiveFile("health_reading/month=2025-01/part-00001.parquet", 2, 2000, null, "b")));

	@Test
	void manifestSurvivesJson() {
		byte[] json = ArchiveManifests.toJson(MANIFEST);
		assertThat(new String(json, StandardCharsets.UTF_8))
			.contains("\"sourcePartition\" : \"health_reading_2025_01\"");
		ArchiveManifest read = ArchiveManifests.fromJson(json);
		assertThat(read).isEqualTo(MANIFEST);
		assertThat(read.yearMonth()).isEqualTo(YearMonth.of(2025, 1));
		assertThat(read.archiveTable()).isEqualTo(ArchiveTable.HEALTH_READING);
		assertThat(read.contentChecksum()).isEqualTo(new ContentChecksum(3, 255));
		assertThat(read.verified()).isTrue();
	}

	@Test
	void exportedManifestHasNoChecksumUntilAVerificationThatMatchedFillsIn() {
		assertThat(ArchiveManifests.fromJson(ArchiveManifests.toJson(EXPORTED))).isEqualTo(EXPORTED);
		assertThat(EXPORTED.verified()).isFalse();
		assertThat(EXPORTED.contentChecksum()).isNull();
		ContentChecksum first = new ContentChecksum(3, 0x10);
		ContentChecksum second = new ContentChecksum(2, 0x0f);
		ArchiveVerification verification = new ArchiveVerification(first.plus(second), first.plus(second), List.of(),
				Map.of("health_reading/month=2025-01/part-00000.parquet", first,
						"health_reading/month=2025-01/part-00001.parquet", second));
		ArchiveManifest verified = EXPORTED.verified(verification, Instant.parse("2025-03-01T02:05:00Z"));
		assertThat(verified.verified()).isTrue();
		assertThat(verified.verifiedAt()).isEqualTo("2025-03-01T02:05:00Z");
		assertThat(verified.contentChecksum()).isEqualTo(new ContentChecksum(5, 0x1f));
		assertThat(verified.files()).extracting(ArchiveFile::checksum)
			.containsExactly("0000000000000010", "000000000000000f");
		assertThat(verified.files()).extracting(ArchiveFile::sha256).containsExactly("a", "b");
		assertThat(verified.createdAt()).isEqualTo(EXPORTED.createdAt());
	}

	@Test
	void manifestCannotBeMarkedVerifiedByAVerificationThatDidNotMatchOrMissesAFile() {
		ContentChecksum first = new ContentChecksum(3, 0x10);
		ContentChecksum second = new ContentChecksum(2, 0x0f);
		Instant now = Instant.parse("2025-03-01T02:05:00Z");
		ArchiveVerification differs = new ArchiveVerification(first.plus(second), first, List.of(),
				Map.of("health_reading/month=2025-01/part-00000.parquet", first));
		assertThatIllegalArgumentException().isThrownBy(() -> EXPORTED.verified(differs, now))
			.withMessageStartingWith("Cannot mark s3://archive/health_reading/month=2025-01/ verified");
		ArchiveVerification missing = new ArchiveVerification(first.plus(second), first.plus(second), List.of(),
				Map.of("health_reading/month=2025-01/part-00000.parquet", first));
		assertThatIllegalArgumentException().isThrownBy(() -> EXPORTED.verified(missing, now))
			.withMessageStartingWith("Cannot mark health_reading/month=2025-01/part-00001.parquet verified");
	}

	@Test
	void versionTwoManifestWithTheWritersChecksumsStillReadsAsVerified() {
		byte[] json = new String(ArchiveManifests.toJson(MANIFEST), StandardCharsets.UTF_8)
			.replace("\"formatVersion\" : " + ArchiveManifest.FORMAT_VERSION, "\"formatVersion\" : 2")
			.replace("  \"verifiedAt\" : \"2025-03-01T02:05:00Z\",\n", "")
			.getBytes(StandardCharsets.UTF_8);
		assertThat(new String(json, StandardCharsets.UTF_8)).doesNotContain("verifiedAt");
		ArchiveManifest read = ArchiveManifests.fromJson(json);
		assertThat(read.formatVersion()).isEqualTo(2);
		assertThat(read.verifiedAt()).isNull();
		assertThat(read.verified()).isTrue();
		assertThat(read.contentChecksum()).isEqualTo(MANIFEST.contentChecksum());
	}

	@Test
	void scoreFilesOfFormatThreeAndEarlierAreReadWithoutTheFingerprintColumns() {
		assertThat(ArchiveTable.of("health_score")).isEqualTo(ArchiveTable.HEALTH_SCORE);
		assertThat(ArchiveTable.HEALTH_SCORE_WITHOUT_FINGERPRINTS.columns())
			.isEqualTo(ArchiveTable.HEALTH_SCORE.columns().subList(0, 10))
			.extracting(ArchiveColumn::name)
			.doesNotContain("input_count", "input_hash", "row_hash");
		for (int version : new int[] { 2, 3 }) {
			assertThat(withVersion(scores(), version).archiveTable())
				.isEqualTo(ArchiveTable.HEALTH_SCORE_WITHOUT_FINGERPRINTS);
			assertThat(withVersion(MANIFEST, version).archiveTable()).isEqualTo(ArchiveTable.HEALTH_READING);
		}
		assertThat(scores().archiveTable()).isEqualTo(ArchiveTable.HEALTH_SCORE);
	}

	private static ArchiveManifest scores() {
		return new ArchiveManifest(ArchiveManifest.FORMAT_VERSION, "health_score", "2025-01", "health_score_2025_01",
				null, "2025-03-01T02:00:00Z", null, "s3://archive/health_score/month=2025-01/", "ZSTD",
				"message health_score {}", 0, null, 0, List.of());
	}

	private static ArchiveManifest withVersion(ArchiveManifest manifest, int version) {
		return ArchiveManifests.fromJson(new String(ArchiveManifests.toJson(manifest), StandardCharsets.UTF_8)
			.replace("\"formatVersion\" : " + ArchiveManifest.FORMAT_VERSION, "\"formatVersion\" : " + version)
			.getBytes(StandardCharsets.UTF_8));
	}

	@ParameterizedTest
	@ValueSource(ints = { 1, 9 })
	void otherFormatVersionIsRejected(int version) {
		byte[] json = new String(ArchiveManifests.toJson(MANIFEST), StandardCharsets.UTF_8)
			.replace("\"formatVersion\" : " + ArchiveManifest.FORMAT_VERSION, "\"formatVersion\" : " + version)
			.getBytes(StandardCharsets.UTF_8);
		assertThatIllegalArgumentException().isThrownBy(() -> ArchiveManifests.fromJson(json))
			.withMessageStartingWith(
					"Unsupported manifest format version: " + version + "; this build reads versions 2 to 4");
	}

	@Test
	void checksumQueryHashesCanonicalTextOfEveryColumn() {
		String sql = ChecksumSql.query(ArchiveTable.HEALTH_READING, "health_reading_2025_01");
		assertThat(sql)
			.contains("hashtextextended(coalesce(user_id::text, 'N') || '|' || coalesce(octet_length(metric)")
			.contains("encode(float8send(value), 'hex')")
			.contains("encode(timestamptz_send(recorded_at), 'hex')")
			.endsWith("FROM health_reading_2025_01");
		assertThatIllegalArgumentException().isThrownBy(() -> ChecksumSql.query(ArchiveTable.HEALTH_READING, "x; drop"))
			.withMessage("Invalid table name for a checksum: x; drop");
	}

}
