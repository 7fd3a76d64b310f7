package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Locale;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchivePartitions;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveStorageUnavailableException;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.ArchiveVerifier;
import dev.healthscore.io.archive.ChecksumSql;
import dev.healthscore.io.archive.ContentChecksum;
import dev.healthscore.io.archive.PartitionExporter;
import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.io.s3.S3Location;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;

/**
 * {@link MonthArchiver} on a real PostgreSQL and the in-process S3 server, one database
 * per test, with faults injected around the S3 client: what the month's folder holds is
 * compared with the month being archived, and S3 failing is told apart from a copy that
 * differs.
 */
@ExtendWith(OutputCaptureExtension.class)
class MonthArchiverIntegrationTests {

	private static final String BUCKET = "archiver";

	private static final YearMonth DECEMBER = YearMonth.of(2024, 12);

	private static final YearMonth JANUARY = YearMonth.of(2025, 1);

	private static final Instant NOW = Instant.parse("2026-03-15T12:00:00Z");

	private static TemporaryPostgres postgres;

	private static EmbeddedS3Server server;

	private static S3Client s3;

	private final ArchiveLedger ledger = new ArchiveLedger();

	@BeforeAll
	static void start() throws Exception {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		server = EmbeddedS3Server.inMemory();
		server.createBucket(BUCKET);
		s3 = server.newClient();
	}

	@AfterAll
	static void stop() throws Exception {
		try {
			s3.close();
			server.close();
		}
		finally {
			postgres.close();
		}
	}

	@Test
	void aManifestOfAnotherMonthInTheFolderIsNotVerifiedAndTheMonthIsExportedAgain() throws Exception {
		DataSource dataSource = database("replaced");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("replaced").build();
		ContentChecksum january = checksum(dataSource, "health_score_2025_01");
		ArchiveManifest december;
		try (Connection connection = dataSource.getConnection()) {
			ArchiveManifest exported = new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
					DECEMBER, 1L);
			december = exported.verified(new ArchiveVerifier(s3).verify(connection, exported), NOW);
			this.ledger.begin(connection, ArchiveTable.HEALTH_SCORE, JANUARY, 1L);
			this.ledger.exported(connection,
					new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE, JANUARY, 1L), 1L);
		}
		assertThat(december.rows()).isEqualTo(january.rows());
		// between export and comparison, January's manifest is replaced by December's,
		// verified and of the same row count
		S3Location manifest = settings.layout().manifest(ArchiveTable.HEALTH_SCORE, JANUARY);
		s3.putObject((request) -> request.bucket(BUCKET).key(manifest.key()),
				RequestBody.fromBytes(ArchiveManifests.toJson(december)));
		MonthArchiver archiver = archiver(dataSource, s3, settings);
		assertThatIllegalStateException().isThrownBy(() -> archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessageStartingWith("Archive of health_score_2025_01 does not match its source;"
					+ " it will be exported again on the next run: Manifest " + manifest.uri()
					+ " describes health_score 2024-12 (partition health_score_2024_12, folder s3://archiver/replaced/"
					+ "health_score/month=2024-12/), not health_score 2025-01 (partition health_score_2025_01, folder"
					+ " s3://archiver/replaced/health_score/month=2025-01/)");
		ArchiveLedgerEntry entry = entry(dataSource);
		assertThat(entry.state()).isEqualTo(ArchiveState.EXPORTING);
		assertThat(entry.lastError()).contains("describes health_score 2024-12");
		assertThat(status(dataSource)).isEqualTo(ArchivePartitions.Status.ATTACHED);
		// the next run exports January again, over the foreign manifest, and archives it
		assertThat(archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 3L)).isEqualTo(ArchiveState.DROPPED);
		assertThat(entry(dataSource).contentChecksum()).isEqualTo(january);
		assertThat(new ArchiveManifests(s3, settings.layout()).read(ArchiveTable.HEALTH_SCORE, JANUARY))
			.satisfies((read) -> assertThat(read.sourcePartition()).isEqualTo("health_score_2025_01"))
			.satisfies((read) -> assertThat(read.contentChecksum()).isEqualTo(january));
	}

	@Test
	void aPartitionWithAColumnTheArchiveDoesNotWriteStaysInPostgresql() throws Exception {
		DataSource dataSource = database("extracolumn");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("extracolumn").build();
		// the app adds a column: its values would be in no archive once the partition is
		// dropped, though the checksum of the archived columns matches
		execute(dataSource, "ALTER TABLE health_score ADD COLUMN note text",
				"UPDATE health_score SET note = 'only in PostgreSQL' WHERE user_id = 1");
		MonthArchiver archiver = archiver(dataSource, s3, settings);
		String refused = "Cannot archive health_score_2025_01: its columns are not the ones the archive writes"
				+ " (note text is not archived); its values would not all reach S3";
		assertThatIllegalStateException().isThrownBy(() -> archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 1L))
			.withMessageStartingWith(refused);
		assertThat(entry(dataSource)).satisfies((entry) -> assertThat(entry.state()).isEqualTo(ArchiveState.EXPORTING))
			.satisfies((entry) -> assertThat(entry.lastError()).startsWith(refused));
		assertThat(status(dataSource)).isEqualTo(ArchivePartitions.Status.ATTACHED);
		assertThat(s3.listObjectsV2((request) -> request.bucket(BUCKET).prefix("extracolumn/")).contents()).isEmpty();
		// a column of another type is refused as well
		execute(dataSource, "ALTER TABLE health_score DROP COLUMN note",
				"ALTER TABLE health_score ALTER COLUMN algorithm_version TYPE bigint");
		assertThatIllegalStateException().isThrownBy(() -> archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessageStartingWith("Cannot archive health_score_2025_01: its columns are not the ones the archive"
					+ " writes (algorithm_version is bigint, not integer)");
		// a column added once the month is exported: the copy no longer matches
		execute(dataSource, "ALTER TABLE health_score ALTER COLUMN algorithm_version TYPE integer");
		try (Connection connection = dataSource.getConnection()) {
			this.ledger.exported(connection,
					new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE, JANUARY, 3L), 3L);
		}
		execute(dataSource, "ALTER TABLE health_score ADD COLUMN note text DEFAULT 'added later'");
		assertThatIllegalStateException().isThrownBy(() -> archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 4L))
			.withMessage("Archive of health_score_2025_01 does not match its source; it will be exported again on the"
					+ " next run: Source health_score_2025_01 has other columns than the objects in"
					+ " s3://archiver/extracolumn/health_score/month=2025-01/ hold: note text is not archived");
		assertThat(entry(dataSource).state()).isEqualTo(ArchiveState.EXPORTING);
		assertThatIllegalStateException().isThrownBy(() -> archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 5L))
			.withMessageStartingWith(refused);
		assertThat(status(dataSource)).isEqualTo(ArchivePartitions.Status.ATTACHED);
		// without the column, the month goes on
		execute(dataSource, "ALTER TABLE health_score DROP COLUMN note");
		assertThat(archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 6L)).isEqualTo(ArchiveState.DROPPED);
	}

	@ParameterizedTest
	@EnumSource(names = { "EXPORTED", "DETACHED" })
	void anS3OutageWhileReadingBackFailsTheRunAndTheNextRunResumesAtTheSameState(ArchiveState state,
			CapturedOutput output) throws Exception {
		String name = "outage_" + state.name().toLowerCase(Locale.ROOT);
		DataSource dataSource = database(name);
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix(name).build();
		ContentChecksum january = checksum(dataSource, "health_score_2025_01");
		if (state == ArchiveState.EXPORTED) {
			ArchiveStepListener crash = (table, month, reached) -> {
				if (reached == ArchiveState.EXPORTED) {
					throw new IllegalStateException("Injected crash after EXPORTED");
				}
			};
			assertThatIllegalStateException()
				.isThrownBy(() -> new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3,
						settings, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ZERO, crash)
					.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 1L));
		}
		else {
			assertThat(new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3, settings,
					Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofDays(7), ArchiveStepListener.NONE)
				.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 1L)).isEqualTo(ArchiveState.DETACHED);
			assertThat(output).containsPattern(
					"Job execution 1: keeping health_score_2025_01 detached until \\S+ \\(grace period 7d\\)");
		}
		assertThat(entry(dataSource).state()).isEqualTo(state);
		ArchivePartitions.Status partition = status(dataSource);
		// S3 cannot be reached while the objects are read back
		S3Client unreachable = mock(S3Client.class, delegatesTo(s3));
		doThrow(SdkClientException.create("Injected failure: connection refused")).when(unreachable)
			.getObject(any(GetObjectRequest.class));
		assertThatExceptionOfType(ArchiveStorageUnavailableException.class)
			.isThrownBy(
					() -> archiver(dataSource, unreachable, settings).archive(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessageContaining("Injected failure: connection refused");
		ArchiveLedgerEntry entry = entry(dataSource);
		assertThat(entry.state()).isEqualTo(state);
		assertThat(entry.lastError())
			.startsWith("Cannot read back s3://archiver/" + name + "/health_score/month=2025-01/")
			.contains("Injected failure: connection refused");
		assertThat(status(dataSource)).isEqualTo(partition);
		// once S3 answers, the next run goes on from there
		assertThat(archiver(dataSource, s3, settings).archive(ArchiveTable.HEALTH_SCORE, JANUARY, 3L))
			.isEqualTo(ArchiveState.DROPPED);
		assertThat(entry(dataSource).contentChecksum()).isEqualTo(january);
		assertThat(entry(dataSource).lastError()).isNull();
	}

	@Test
	void theLedgerKeepsTheCausesOfAFailure() throws Exception {
		DataSource dataSource = database("cause");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("cause").build();
		S3Client failing = mock(S3Client.class, delegatesTo(s3));
		doThrow(SdkClientException.create("Injected failure: connection reset")).when(failing)
			.putObject(argThat((PutObjectRequest request) -> request.key().endsWith(".parquet")),
					any(RequestBody.class));
		assertThatIOException()
			.isThrownBy(() -> archiver(dataSource, failing, settings).archive(ArchiveTable.HEALTH_SCORE, JANUARY, 1L))
			.withMessage("Cannot complete upload of s3://archiver/cause/health_score/month=2025-01/part-00000.parquet");
		assertThat(entry(dataSource).lastError())
			.startsWith("Cannot complete upload of s3://archiver/cause/health_score/month=2025-01/part-00000.parquet")
			.contains("Injected failure: connection reset");
		assertThat(entry(dataSource).state()).isEqualTo(ArchiveState.EXPORTING);
	}

	/** An archiver that drops without a grace period, on {@link #NOW}. */
	static MonthArchiver archiver(DataSource dataSource, S3Client s3, ArchiveSettings settings) {
		return new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3, settings,
				Clock.fixed(NOW, ZoneOffset.UTC), Duration.ZERO, ArchiveStepListener.NONE);
	}

	/**
	 * A new database with the schema and 93 scores in each of December 2024 and January
	 * 2025, different ones.
	 */
	static DataSource database(String name) throws SQLException {
		execute(postgres.getPostgresDatabase(), "CREATE DATABASE " + name);
		DataSource dataSource = postgres.getDatabase("postgres", name);
		Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
		execute(dataSource,
				"SELECT healthscore_ensure_partitions('health_score', DATE '2024-12-01', DATE '2025-01-01')",
				"INSERT INTO health_score (user_id, score_date, score, completeness, algorithm_version, inputs_as_of)"
						+ " SELECT u, m + d, 40 + d + extract(month FROM m), 1.0, 1, m + 31"
						+ " FROM generate_series(1, 3) u, generate_series(0, 30) d,"
						+ " unnest(ARRAY[DATE '2024-12-01', DATE '2025-01-01']) m");
		return dataSource;
	}

	private ArchiveLedgerEntry entry(DataSource dataSource) throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			return this.ledger.find(connection, ArchiveTable.HEALTH_SCORE, JANUARY);
		}
	}

	private static ArchivePartitions.Status status(DataSource dataSource) throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			return new ArchivePartitions().status(connection, ArchiveTable.HEALTH_SCORE, JANUARY);
		}
	}

	private static ContentChecksum checksum(DataSource dataSource, String partition) throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			return ChecksumSql.compute(connection, ArchiveTable.HEALTH_SCORE, partition);
		}
	}

	private static void execute(DataSource dataSource, String... statements) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			for (String sql : statements) {
				statement.execute(sql);
			}
		}
	}

}
