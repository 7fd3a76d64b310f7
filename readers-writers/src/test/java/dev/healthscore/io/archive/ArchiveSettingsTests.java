package dev.healthscore.io.archive;

import java.nio.file.Path;
import java.time.YearMonth;

import dev.healthscore.io.s3.ServerSideEncryption;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ArchiveSettings} and {@link ArchiveLayout}.
 */
class ArchiveSettingsTests {

	@Test
	void defaultsSuitAthena() {
		ArchiveSettings settings = ArchiveSettings.builder("archive").build();
		assertThat(settings.targetFileSize()).isEqualTo(256L * 1024 * 1024);
		assertThat(settings.partSize()).isEqualTo(16 * 1024 * 1024);
		assertThat(settings.compression()).isEqualTo(ArchiveSettings.Compression.ZSTD);
		assertThat(settings.encryption()).isEqualTo(ServerSideEncryption.BUCKET_DEFAULT);
		assertThat(settings.sortBufferRows()).isEqualTo(500_000);
		assertThat(settings.sortDirectory()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
	}

	@Test
	void buildRejectsBadValuesWithExactMessages() {
		assertThatIllegalArgumentException().isThrownBy(() -> ArchiveSettings.builder(" ").build())
			.withMessage("A bucket is required");
		assertThatIllegalArgumentException().isThrownBy(() -> ArchiveSettings.builder("b").prefix("a/").build())
			.withMessage("A prefix must not be null nor start or end with '/': a/");
		assertThatIllegalArgumentException().isThrownBy(() -> ArchiveSettings.builder("b").partSize(1024).build())
			.withMessage("Part size must be at least 5 MiB (S3's minimum): 1024");
		assertThatIllegalArgumentException().isThrownBy(() -> ArchiveSettings.builder("b").targetFileSize(0).build())
			.withMessage("Target file size and row group size must be positive: 0 and 67108864");
		assertThatIllegalArgumentException().isThrownBy(() -> ArchiveSettings.builder("b").sortBufferRows(0).build())
			.withMessage("Sort buffer rows must be at least 1: 0");
	}

	@Test
	void keysAreHiveStyleAndDeterministic() {
		ArchiveLayout layout = ArchiveSettings.builder("archive").prefix("v1/healthscore").build().layout();
		YearMonth month = YearMonth.of(2025, 1);
		assertThat(layout.dataFile(ArchiveTable.HEALTH_READING, month, 0).uri())
			.isEqualTo("s3://archive/v1/healthscore/health_reading/month=2025-01/part-00000.parquet");
		assertThat(layout.dataFile(ArchiveTable.HEALTH_SCORE, month, 12).key())
			.isEqualTo("v1/healthscore/health_score/month=2025-01/part-00012.parquet");
		assertThat(layout.manifest(ArchiveTable.HEALTH_READING, month).key())
			.isEqualTo("v1/healthscore/health_reading/month=2025-01/_manifest.json");
		assertThat(layout.folder(ArchiveTable.APP_USER, null).key()).isEqualTo("v1/healthscore/app_user/");
		assertThat(new ArchiveLayout("archive", "").folder(ArchiveTable.HEALTH_SCORE, month).key())
			.isEqualTo("health_score/month=2025-01/");
	}

	@Test
	void partitionedTableNeedsMonthAndSnapshotTableNone() {
		ArchiveLayout layout = new ArchiveLayout("archive", "");
		assertThatIllegalArgumentException().isThrownBy(() -> layout.folder(ArchiveTable.HEALTH_READING, null))
			.withMessage("Invalid month for health_reading: null");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> layout.folder(ArchiveTable.APP_USER, YearMonth.of(2025, 1)))
			.withMessage("Invalid month for app_user: 2025-01");
	}

	@Test
	void partitionNamesFollowMigration() {
		assertThat(ArchiveTable.HEALTH_READING.partitionName(YearMonth.of(2025, 1)))
			.isEqualTo("health_reading_2025_01");
		assertThat(ArchiveTable.HEALTH_SCORE.partitionName(YearMonth.of(2024, 12))).isEqualTo("health_score_2024_12");
		assertThat(ArchiveTable.of("health_score")).isEqualTo(ArchiveTable.HEALTH_SCORE);
	}

}
