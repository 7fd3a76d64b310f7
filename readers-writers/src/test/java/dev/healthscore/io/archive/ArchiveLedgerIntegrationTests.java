package dev.healthscore.io.archive;

import java.io.IOException;
import java.net.SocketException;
import java.sql.Connection;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;

import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import dev.healthscore.io.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The ledger's compare-and-set moves and per-month locks on a real PostgreSQL.
 */
class ArchiveLedgerIntegrationTests {

	private static final YearMonth JANUARY = YearMonth.of(2025, 1);

	private static final Instant NOW = Instant.parse("2026-04-15T10:00:00.123456Z");

	private static TestPostgres postgres;

	private final ArchiveLedger ledger = new ArchiveLedger();

	@BeforeAll
	static void start() throws Exception {
		postgres = TestPostgres.start();
	}

	@AfterAll
	static void stop() throws Exception {
		postgres.close();
	}

	private static final ContentChecksum CHECKSUM = ContentChecksum.of(30, "00000000000000ff");

	@BeforeEach
	void emptyLedger() throws Exception {
		postgres.execute("TRUNCATE archive_ledger");
	}

	@Test
	void failedRecordsTheFailureWithItsCausesCutToALength() throws Exception {
		try (Connection connection = postgres.connection()) {
			this.ledger.begin(connection, ArchiveTable.HEALTH_READING, JANUARY, 3L);
			this.ledger.failed(connection, ArchiveTable.HEALTH_READING, JANUARY,
					new IOException("Cannot read s3://bucket/key from byte 0", new IllegalStateException(
							"Unable to execute HTTP request", new SocketException("Connection refused"))));
			assertThat(this.ledger.find(connection, ArchiveTable.HEALTH_READING, JANUARY).lastError())
				.isEqualTo("Cannot read s3://bucket/key from byte 0; caused by IllegalStateException: Unable to"
						+ " execute HTTP request; caused by SocketException: Connection refused");
			this.ledger.failed(connection, ArchiveTable.HEALTH_READING, JANUARY,
					new IllegalStateException(new NullPointerException()));
			assertThat(this.ledger.find(connection, ArchiveTable.HEALTH_READING, JANUARY).lastError())
				.isEqualTo("java.lang.NullPointerException");
			this.ledger.failed(connection, ArchiveTable.HEALTH_READING, JANUARY,
					new IllegalStateException((String) null, new NullPointerException()));
			assertThat(this.ledger.find(connection, ArchiveTable.HEALTH_READING, JANUARY).lastError())
				.isEqualTo("java.lang.IllegalStateException; caused by NullPointerException");
			this.ledger.failed(connection, ArchiveTable.HEALTH_READING, JANUARY,
					new IllegalStateException("Cannot export", new IOException("x".repeat(5000))));
			assertThat(this.ledger.find(connection, ArchiveTable.HEALTH_READING, JANUARY).lastError())
				.hasSize(ArchiveLedger.LAST_ERROR_MAX_LENGTH)
				.startsWith("Cannot export; caused by IOException: xxx")
				.endsWith("x…");
		}
	}

	@Test
	void beginCreatesTheEntryOnceInExporting() throws Exception {
		try (Connection connection = postgres.connection()) {
			assertThat(this.ledger.begin(connection, ArchiveTable.HEALTH_READING, JANUARY, 3L)).isTrue();
			assertThat(this.ledger.begin(connection, ArchiveTable.HEALTH_READING, JANUARY, 4L)).isFalse();
			ArchiveLedgerEntry entry = this.ledger.find(connection, ArchiveTable.HEALTH_READING, JANUARY);
			assertThat(entry.state()).isEqualTo(ArchiveState.EXPORTING);
			assertThat(entry.partitionName()).isEqualTo("health_reading_2025_01");
			assertThat(entry.jobExecutionId()).isEqualTo(3L);
			assertThat(entry.contentChecksum()).isNull();
			assertThat(this.ledger.find(connection, ArchiveTable.HEALTH_SCORE, JANUARY)).isNull();
		}
	}

	@Test
	void exportedRecordsWhatTheManifestSaysAndVerifiedTheChecksumThatMatched() throws Exception {
		try (Connection connection = postgres.connection()) {
			this.ledger.begin(connection, ArchiveTable.HEALTH_SCORE, JANUARY, 1L);
			this.ledger.exported(connection, manifest(), 2L);
			ArchiveLedgerEntry entry = this.ledger.find(connection, ArchiveTable.HEALTH_SCORE, JANUARY);
			assertThat(entry.state()).isEqualTo(ArchiveState.EXPORTED);
			assertThat(entry.s3Uri()).isEqualTo("s3://archive/health_score/month=2025-01/");
			assertThat(entry.fileCount()).isEqualTo(2);
			assertThat(entry.rowCount()).isEqualTo(30L);
			assertThat(entry.contentChecksum()).isNull();
			assertThat(entry.bytes()).isEqualTo(3000L);
			assertThat(entry.jobExecutionId()).isEqualTo(2L);
			this.ledger.verified(connection, ArchiveTable.HEALTH_SCORE, JANUARY,
					ContentChecksum.of(30, "00000000000000ff"), NOW, 3L);
			entry = this.ledger.find(connection, ArchiveTable.HEALTH_SCORE, JANUARY);
			assertThat(entry.state()).isEqualTo(ArchiveState.VERIFIED);
			assertThat(entry.contentChecksum()).isEqualTo(ContentChecksum.of(30, "00000000000000ff"));
			assertThat(entry.verifiedAt()).isEqualTo(NOW);
			assertThat(entry.jobExecutionId()).isEqualTo(3L);
		}
	}

	@Test
	void verifiedRejectsAnotherRowCountThanTheExportWrote() throws Exception {
		try (Connection connection = postgres.connection()) {
			this.ledger.begin(connection, ArchiveTable.HEALTH_SCORE, JANUARY, 1L);
			this.ledger.exported(connection, manifest(), 2L);
			assertThatIllegalStateException()
				.isThrownBy(() -> this.ledger.verified(connection, ArchiveTable.HEALTH_SCORE, JANUARY,
						ContentChecksum.of(31, "00000000000000ff"), NOW, 3L))
				.withMessageStartingWith("Cannot move health_score 2025-01 from EXPORTED to VERIFIED");
			assertThat(this.ledger.find(connection, ArchiveTable.HEALTH_SCORE, JANUARY).contentChecksum()).isNull();
		}
	}

	@Test
	void verifyingIsNoPlainMoveSinceItMustRecordTheChecksum() throws Exception {
		try (Connection connection = postgres.connection()) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> this.ledger.move(connection, ArchiveTable.HEALTH_SCORE, JANUARY,
						ArchiveState.EXPORTED, ArchiveState.VERIFIED, NOW, 1L))
				.withMessage("A month becomes VERIFIED with its checksum: use verified()");
		}
	}

	@Test
	void aMoveIsACompareAndSetSoASecondRunCannotMakeItAgain() throws Exception {
		try (Connection first = postgres.connection(); Connection second = postgres.connection()) {
			this.ledger.begin(first, ArchiveTable.HEALTH_SCORE, JANUARY, 1L);
			this.ledger.exported(first, manifest(), 1L);
			this.ledger.verified(first, ArchiveTable.HEALTH_SCORE, JANUARY, CHECKSUM, NOW, 1L);
			assertThatIllegalStateException()
				.isThrownBy(() -> this.ledger.verified(second, ArchiveTable.HEALTH_SCORE, JANUARY, CHECKSUM, NOW, 2L))
				.withMessage("Cannot move health_score 2025-01 from EXPORTED to VERIFIED: the ledger says VERIFIED"
						+ " (another run moved it)");
			ArchiveLedgerEntry entry = this.ledger.find(second, ArchiveTable.HEALTH_SCORE, JANUARY);
			assertThat(entry.verifiedAt()).isEqualTo(NOW);
			assertThat(entry.jobExecutionId()).isEqualTo(1L);
		}
	}

	@Test
	void aMoveInATransactionThatRollsBackLeavesTheState() throws Exception {
		try (Connection connection = postgres.connection()) {
			this.ledger.begin(connection, ArchiveTable.HEALTH_SCORE, JANUARY, 1L);
			this.ledger.exported(connection, manifest(), 1L);
			connection.setAutoCommit(false);
			this.ledger.verified(connection, ArchiveTable.HEALTH_SCORE, JANUARY, CHECKSUM, NOW, 1L);
			connection.rollback();
			connection.setAutoCommit(true);
			assertThat(this.ledger.find(connection, ArchiveTable.HEALTH_SCORE, JANUARY).state())
				.isEqualTo(ArchiveState.EXPORTED);
		}
	}

	@Test
	void exportAgainKeepsTheReasonUntilTheNextSuccessfulMove() throws Exception {
		try (Connection connection = postgres.connection()) {
			this.ledger.begin(connection, ArchiveTable.HEALTH_SCORE, JANUARY, 1L);
			this.ledger.exported(connection, manifest(), 1L);
			this.ledger.exportAgain(connection, ArchiveTable.HEALTH_SCORE, JANUARY, ArchiveState.EXPORTED,
					"objects differ");
			ArchiveLedgerEntry entry = this.ledger.find(connection, ArchiveTable.HEALTH_SCORE, JANUARY);
			assertThat(entry.state()).isEqualTo(ArchiveState.EXPORTING);
			assertThat(entry.lastError()).isEqualTo("objects differ");
			this.ledger.exported(connection, manifest(), 2L);
			assertThat(this.ledger.find(connection, ArchiveTable.HEALTH_SCORE, JANUARY).lastError()).isNull();
		}
	}

	@Test
	void aMoveThatSkipsAStateIsRejectedBeforeReachingTheDatabase() throws Exception {
		try (Connection connection = postgres.connection()) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> this.ledger.move(connection, ArchiveTable.HEALTH_SCORE, JANUARY,
						ArchiveState.EXPORTED, ArchiveState.DROPPED, NOW, 1L))
				.withMessage("Invalid archive state move: EXPORTED to DROPPED");
		}
	}

	@Test
	void aMonthLockKeepsOtherSessionsOutUntilReleased() throws Exception {
		try (Connection first = postgres.connection(); Connection second = postgres.connection()) {
			assertThat(this.ledger.tryLock(first, ArchiveTable.HEALTH_READING, JANUARY)).isTrue();
			assertThat(this.ledger.tryLock(second, ArchiveTable.HEALTH_READING, JANUARY)).isFalse();
			assertThat(this.ledger.tryLock(second, ArchiveTable.HEALTH_SCORE, JANUARY)).isTrue();
			assertThat(this.ledger.tryLock(second, ArchiveTable.HEALTH_READING, JANUARY.plusMonths(1))).isTrue();
			this.ledger.unlock(first, ArchiveTable.HEALTH_READING, JANUARY);
			assertThat(this.ledger.tryLock(second, ArchiveTable.HEALTH_READING, JANUARY)).isTrue();
		}
	}

	private static ArchiveManifest manifest() {
		List<ArchiveFile> files = List.of(
				new ArchiveFile("health_score/month=2025-01/part-00000.parquet", 20, 2000, null, "a"),
				new ArchiveFile("health_score/month=2025-01/part-00001.parquet", 10, 1000, null, "b"));
		return new ArchiveManifest(ArchiveManifest.FORMAT_VERSION, "health_score", "2025-01", "health_score_2025_01",
				1L, NOW.toString(), null, "s3://archive/health_score/month=2025-01/", "ZSTD", "schema", 30, null, 3000,
				files);
	}

}
