package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchivePartitions;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.ArchiveVerification;
import dev.healthscore.io.archive.ArchiveVerifier;
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
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.contains;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;

/**
 * {@link MonthRestorer} on a real PostgreSQL and the in-process S3 server, with faults
 * injected around the database connection; a failed restore is recorded in the ledger and
 * leaves the month where both a new restore and the archive job go on from.
 */
class MonthRestorerIntegrationTests {

	private static final String BUCKET = "restorer";

	private static final YearMonth DECEMBER = YearMonth.of(2024, 12);

	private static final YearMonth JANUARY = YearMonth.of(2025, 1);

	/** Every column of health_score, reals by their bits. */
	private static final String EVERY_SCORE_COLUMN = "user_id, score_date, score, activity_score, sleep_score,"
			+ " heart_score, float4send(completeness), algorithm_version, inputs_as_of, computed_at, input_count,"
			+ " input_hash, row_hash";

	private static TemporaryPostgres postgres;

	private static EmbeddedS3Server server;

	private static S3Client s3;

	@BeforeAll
	static void start() throws Exception {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		Flyway.configure()
			.dataSource(postgres.getPostgresDatabase())
			.locations("classpath:db/migration")
			.load()
			.migrate();
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
	void aFailedRestoreReportsWhyItFailedEvenWhenItsLockCannotBeReleased() throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("unlock").build();
		DataSource dataSource = postgres.getPostgresDatabase();
		archiveAndDetach(dataSource, settings);
		// the detached table changed since it was archived: the restore must refuse it
		execute(dataSource, "UPDATE health_score_2025_01 SET score = score + 1 WHERE user_id = 1");
		// and the connection breaks before the month's lock is released
		DataSource faulty = mock(DataSource.class, delegatesTo(dataSource));
		doAnswer((invocation) -> {
			Connection connection = mock(Connection.class, delegatesTo(dataSource.getConnection()));
			doThrow(new SQLException("Injected failure: connection lost")).when(connection)
				.prepareStatement(contains("pg_advisory_unlock"));
			return connection;
		}).when(faulty).getConnection();
		MonthRestorer restorer = new MonthRestorer(faulty, s3, settings, Clock.systemUTC(), ArchiveStepListener.NONE);
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessageStartingWith("Cannot restore health_score_2025_01: the table holds ")
			.satisfies((ex) -> assertThat(ex.getSuppressed()).singleElement()
				.satisfies((suppressed) -> assertThat(suppressed).hasMessage("Injected failure: connection lost")));
	}

	@Test
	void aRestoreWithoutItsManifestChangesNothingAndARerunRestoresOnceTheManifestIsBack() throws Exception {
		DataSource dataSource = database("nomanifest");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("nomanifest").build();
		archiveAndDetach(dataSource, settings);
		S3Location manifest = settings.layout().manifest(ArchiveTable.HEALTH_SCORE, JANUARY);
		byte[] json = s3.getObjectAsBytes((request) -> request.bucket(BUCKET).key(manifest.key())).asByteArray();
		MonthRestorer restorer = new MonthRestorer(dataSource, s3, settings, Clock.systemUTC(),
				ArchiveStepListener.NONE);
		// a manifest that names another partition is refused as well
		ArchiveManifest own = ArchiveManifests.fromJson(json);
		s3.putObject((request) -> request.bucket(BUCKET).key(manifest.key()),
				RequestBody.fromBytes(ArchiveManifests
					.toJson(new ArchiveManifest(own.formatVersion(), own.table(), own.month(), "health_score_2024_12",
							own.jobExecutionId(), own.createdAt(), own.verifiedAt(), own.location(), own.compression(),
							own.schema(), own.rows(), own.checksum(), own.bytes(), own.files()))));
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessage("Cannot restore health_score_2025_01: Manifest " + manifest.uri()
					+ " describes health_score 2025-01 (partition health_score_2024_12, folder " + own.location()
					+ "), not health_score 2025-01 (partition health_score_2025_01, folder " + own.location()
					+ "); put the month's own manifest back");
		assertThat(entry(dataSource).state()).isEqualTo(ArchiveState.DETACHED);
		s3.deleteObject((request) -> request.bucket(BUCKET).key(manifest.key()));
		String reason = "Cannot restore health_score_2025_01: no manifest in s3://restorer/nomanifest/health_score/month=2025-01/";
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessage(reason);
		assertThat(entry(dataSource)).satisfies((entry) -> assertThat(entry.state()).isEqualTo(ArchiveState.DETACHED))
			.satisfies((entry) -> assertThat(entry.lastError()).isEqualTo(reason));
		s3.putObject((request) -> request.bucket(BUCKET).key(manifest.key()), RequestBody.fromBytes(json));
		assertThat(restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 3L)).isEqualTo(93);
		assertThat(entry(dataSource)).satisfies((entry) -> assertThat(entry.state()).isEqualTo(ArchiveState.RESTORED))
			.satisfies((entry) -> assertThat(entry.lastError()).isNull());
		try (Connection connection = dataSource.getConnection()) {
			assertThat(new ArchivePartitions().status(connection, ArchiveTable.HEALTH_SCORE, JANUARY))
				.isEqualTo(ArchivePartitions.Status.ATTACHED);
		}
	}

	@Test
	void aRestoreRefusedForAChangedTableIsRecordedAndLeavesTheMonthToTheArchiveJob() throws Exception {
		DataSource dataSource = database("changed");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("changed").build();
		archiveAndDetach(dataSource, settings);
		execute(dataSource, "UPDATE health_score_2025_01 SET score = score + 1 WHERE user_id = 1");
		MonthRestorer restorer = new MonthRestorer(dataSource, s3, settings, Clock.systemUTC(),
				ArchiveStepListener.NONE);
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessageStartingWith("Cannot restore health_score_2025_01: the table holds ");
		assertThat(entry(dataSource)).satisfies((entry) -> assertThat(entry.state()).isEqualTo(ArchiveState.DETACHED))
			.satisfies((entry) -> assertThat(entry.lastError())
				.startsWith("Cannot restore health_score_2025_01: the table holds "));
		// the archive job's next run compares the detached table once more: it differs
		// now, so the month is exported again, then verified, detached and dropped
		MonthArchiver archiver = new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3,
				settings, Clock.systemUTC(), Duration.ZERO, ArchiveStepListener.NONE);
		assertThatIllegalStateException().isThrownBy(() -> archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 3L))
			.withMessageStartingWith("Archive of health_score_2025_01 does not match its source;");
		assertThat(archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 4L)).isEqualTo(ArchiveState.DROPPED);
		// and the month can be restored from S3, changed as it was archived the second
		// time
		assertThat(restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 5L)).isEqualTo(93);
		assertThat(entry(dataSource).state()).isEqualTo(ArchiveState.RESTORED);
	}

	@Test
	void aDroppedScoreMonthComesBackWithEveryColumnItsFingerprintsIncluded() throws Exception {
		DataSource dataSource = database("fingerprints");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("fingerprints").build();
		scores(dataSource, JANUARY);
		execute(dataSource, "CREATE TABLE original AS TABLE health_score_2025_01");
		assertThat(new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3, settings,
				Clock.systemUTC(), Duration.ZERO, ArchiveStepListener.NONE)
			.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 1L)).isEqualTo(ArchiveState.DROPPED);
		MonthRestorer restorer = new MonthRestorer(dataSource, s3, settings, Clock.systemUTC(),
				ArchiveStepListener.NONE);
		assertThat(restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L)).isEqualTo(93);
		// reconcile compares the fingerprint and seal of every score: without them each
		// restored row would be a suspect, and its seal no longer a seal
		assertThat(differences(dataSource, "original", "health_score_2025_01", EVERY_SCORE_COLUMN)).isZero();
	}

	@Test
	void aDroppedMonthIsRestoredPhaseByPhaseIntoAnAnalyzedPartitionWithItsPrimaryKeyOnly() throws Exception {
		DataSource dataSource = database("phases");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("phases").build();
		scores(dataSource, JANUARY);
		assertThat(new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3, settings,
				Clock.systemUTC(), Duration.ZERO, ArchiveStepListener.NONE)
			.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 1L)).isEqualTo(ArchiveState.DROPPED);
		List<RestorePhase> phases = new ArrayList<>();
		ArchiveStepListener listener = new ArchiveStepListener() {

			@Override
			public void reached(ArchiveTable table, YearMonth month, ArchiveState state) {
			}

			@Override
			public void restored(ArchiveTable table, YearMonth month, RestorePhase phase, long nanos) {
				assertThat(nanos).isPositive();
				phases.add(phase);
			}

		};
		assertThat(new MonthRestorer(dataSource, s3, settings, Clock.systemUTC(), listener)
			.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L)).isEqualTo(93);
		assertThat(phases).containsExactly(RestorePhase.CREATE, RestorePhase.LOAD, RestorePhase.CHECKSUM,
				RestorePhase.ATTACH, RestorePhase.ANALYZE);
		// its primary key, and not the CHECK constraint it was loaded with
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT string_agg(conname, ',' ORDER BY conname)"
						+ " FROM pg_constraint WHERE conrelid = 'health_score_2025_01'::regclass AND contype <> 'n'")) {
			result.next();
			assertThat(result.getString(1)).isEqualTo("health_score_2025_01_pkey");
		}
		// analyzed by the restore (autovacuum's would be last_autoanalyze)
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT s.last_analyze IS NOT NULL, c.reltuples"
						+ " FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
						+ " WHERE s.relname = 'health_score_2025_01'")) {
			result.next();
			assertThat(result.getBoolean(1)).isTrue();
			assertThat(result.getLong(2)).isEqualTo(93);
		}
	}

	@Test
	void anEmptyMonthIsArchivedWithoutFilesAndRestoredAsAnEmptyPartition() throws Exception {
		DataSource dataSource = database("empty");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("empty").build();
		execute(dataSource,
				"SELECT healthscore_ensure_partitions('health_reading', DATE '2025-01-01'," + " DATE '2025-01-01')");
		assertThat(new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3, settings,
				Clock.systemUTC(), Duration.ZERO, ArchiveStepListener.NONE)
			.archive(ArchiveTable.HEALTH_READING, JANUARY, 1L)).isEqualTo(ArchiveState.DROPPED);
		assertThat(s3.listObjectsV2((request) -> request.bucket(BUCKET).prefix("empty/")).contents())
			.extracting(S3Object::key)
			.containsExactly("empty/health_reading/month=2025-01/_manifest.json");
		assertThat(new MonthRestorer(dataSource, s3, settings, Clock.systemUTC(), ArchiveStepListener.NONE)
			.restore(ArchiveTable.HEALTH_READING, JANUARY, 2L)).isZero();
		try (Connection connection = dataSource.getConnection()) {
			assertThat(new ArchivePartitions().status(connection, ArchiveTable.HEALTH_READING, JANUARY))
				.isEqualTo(ArchivePartitions.Status.ATTACHED);
			assertThat(new ArchiveLedger().find(connection, ArchiveTable.HEALTH_READING, JANUARY).state())
				.isEqualTo(ArchiveState.RESTORED);
		}
		// the month takes rows again
		execute(dataSource, "INSERT INTO health_reading (user_id, metric, recorded_at, value, source)"
				+ " VALUES (1, 'steps', '2025-01-31 23:59:59.999999+00', 1, 'watch')");
		assertThat(count(dataSource, "health_reading_2025_01")).isOne();
	}

	@Test
	void aScoreMonthArchivedWithoutFingerprintsIsRestoredOrExportedAgainWithThem() throws Exception {
		DataSource dataSource = database("formatthree");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("formatthree").build();
		scores(dataSource, DECEMBER);
		scores(dataSource, JANUARY);
		execute(dataSource, "CREATE TABLE original_2024_12 AS TABLE health_score_2024_12",
				"CREATE TABLE original_2025_01 AS TABLE health_score_2025_01");
		// both months archived as builds before manifest format 4 did: files without the
		// fingerprint columns, December dropped since, January still detached
		DataSource oldBuild = database("formatthree_old_build");
		scores(oldBuild, DECEMBER);
		scores(oldBuild, JANUARY);
		execute(oldBuild,
				"ALTER TABLE health_score DROP COLUMN input_count, DROP COLUMN input_hash," + " DROP COLUMN row_hash");
		for (YearMonth month : new YearMonth[] { DECEMBER, JANUARY }) {
			archiveAsFormatThree(oldBuild, dataSource, settings, month);
		}
		execute(dataSource, "DROP TABLE health_score_2024_12",
				"UPDATE archive_ledger SET state = 'DROPPED' WHERE month = DATE '2024-12-01'");

		MonthRestorer restorer = new MonthRestorer(dataSource, s3, settings, Clock.systemUTC(),
				ArchiveStepListener.NONE);
		assertThat(restorer.restore(ArchiveTable.HEALTH_SCORE, DECEMBER, 2L)).isEqualTo(93);
		assertThat(entry(dataSource, DECEMBER).state()).isEqualTo(ArchiveState.RESTORED);
		// the files had no fingerprints to restore
		assertThat(differences(dataSource, "original_2024_12", "health_score_2024_12",
				EVERY_SCORE_COLUMN.replace(", input_count, input_hash, row_hash", "")))
			.isZero();
		assertThat(count(dataSource, "health_score_2024_12 WHERE input_hash IS NOT NULL")).isZero();

		// January's partition still has them: it does not match its copy, and is exported
		// again before it is dropped
		MonthArchiver archiver = new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3,
				settings, Clock.systemUTC(), Duration.ZERO, ArchiveStepListener.NONE);
		assertThatIllegalStateException().isThrownBy(() -> archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 3L))
			.withMessageContaining("Source health_score_2025_01 has other columns than the objects in")
			.withMessageContaining("input_count integer is not archived; input_hash bigint is not archived;"
					+ " row_hash bigint is not archived");
		assertThat(entry(dataSource, JANUARY).state()).isEqualTo(ArchiveState.EXPORTING);
		// sent back from DETACHED, its partition is still detached: the refusal says
		// where the month stands and what carries it on, not that it is attached
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 3L))
			.withMessage("Cannot restore health_score_2025_01: it is not archived yet, the ledger says EXPORTING"
					+ " (restore takes DETACHED or DROPPED months; the next archive run carries this one on, or"
					+ " `status` shows its last error)");
		assertThat(entry(dataSource, JANUARY).state()).isEqualTo(ArchiveState.EXPORTING);
		assertThat(archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 4L)).isEqualTo(ArchiveState.DROPPED);
		assertThat(restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 5L)).isEqualTo(93);
		assertThat(differences(dataSource, "original_2025_01", "health_score_2025_01", EVERY_SCORE_COLUMN)).isZero();
	}

	@Test
	void aChangedOrMissingObjectOrARecreatedPartitionStopsTheRestoreAndChangesNothing() throws Exception {
		DataSource dataSource = database("tampered");
		// several files: the first two are tampered with, the last stays as archived
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET)
			.prefix("tampered")
			.targetFileSize(16 * 1024)
			.rowGroupSize(8 * 1024)
			.build();
		execute(dataSource,
				"SELECT healthscore_ensure_partitions('health_score', DATE '2025-01-01', DATE '2025-01-01')",
				"INSERT INTO health_score (user_id, score_date, score, completeness, algorithm_version, inputs_as_of,"
						+ " input_count, input_hash, row_hash) SELECT u, DATE '2025-01-01' + d, u % 101, 1.0, 1,"
						+ " timestamptz '2025-02-01 00:00:00+00' + u * interval '1 microsecond', u,"
						+ " hashtextextended(u || '/' || d, 0), hashtextextended(u || '|' || d, 0)"
						+ " FROM generate_series(1, 300) u, generate_series(0, 30) d",
				"CREATE TABLE original AS TABLE health_score_2025_01");
		MonthArchiver archiver = new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3,
				settings, Clock.systemUTC(), Duration.ZERO, ArchiveStepListener.NONE);
		assertThat(archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 1L)).isEqualTo(ArchiveState.DROPPED);
		ArchiveManifest manifest = new ArchiveManifests(s3, settings.layout()).read(ArchiveTable.HEALTH_SCORE, JANUARY);
		assertThat(manifest.files()).hasSizeGreaterThan(2);
		String first = manifest.files().get(0).key();
		String second = manifest.files().get(1).key();
		byte[] firstBytes = object(first);
		byte[] secondBytes = object(second);
		MonthRestorer restorer = new MonthRestorer(dataSource, s3, settings, Clock.systemUTC(),
				ArchiveStepListener.NONE);

		// a byte changed in the middle of a data file, the object as long as before
		byte[] flipped = firstBytes.clone();
		flipped[flipped.length / 2] ^= 0x10;
		put(first, flipped);
		// (Parquet decodes it: only the checksum tells)
		assertRefusedAndNothingChanged(dataSource, restorer,
				"Cannot restore health_score_2025_01: the loaded rows differ from the archive");
		put(first, firstBytes);
		// a data file replaced by another valid one, another month's
		put(second, firstBytes);
		assertRefusedAndNothingChanged(dataSource, restorer, "Cannot read");
		// a data file gone
		s3.deleteObject((request) -> request.bucket(BUCKET).key(second));
		assertRefusedAndNothingChanged(dataSource, restorer, "Cannot read");
		put(second, secondBytes);
		// an object that is no part of the month does not reach it (below)
		s3.putObject((request) -> request.bucket(BUCKET).key("tampered/health_score/month=2025-01/part-99999.parquet"),
				RequestBody.fromBytes(firstBytes));
		// the month's partition created again since, empty (as the partitions job of
		// earlier versions did): the refusal says to drop it
		execute(dataSource,
				"SELECT healthscore_ensure_partitions('health_score', DATE '2025-01-01', DATE '2025-01-01')");
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessage("Cannot restore health_score_2025_01: its partition was dropped once archived, and a"
					+ " partition health_score_2025_01 was created again since, empty: drop it (DROP TABLE"
					+ " health_score_2025_01;), then run restore --table=health_score --month=2025-01");
		// a table of that name, not attached, the same
		execute(dataSource, "ALTER TABLE health_score DETACH PARTITION health_score_2025_01");
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessage("Cannot restore health_score_2025_01: its partition was dropped once archived, and a"
					+ " table health_score_2025_01 (not attached) was created again since, empty: drop it (DROP TABLE"
					+ " health_score_2025_01;), then run restore --table=health_score --month=2025-01");
		execute(dataSource, "ALTER TABLE health_score ATTACH PARTITION health_score_2025_01"
				+ " FOR VALUES FROM ('2025-01-01') TO ('2025-02-01')");
		// and written to: its rows stay, and the refusal says how to keep them
		execute(dataSource,
				"INSERT INTO health_score (user_id, score_date, completeness, algorithm_version, inputs_as_of)"
						+ " VALUES (301, '2025-01-05', 0.2, 1, now()), (302, '2025-01-31', 0.3, 1, now())");
		String setAside = "BEGIN; CREATE TABLE health_score_2025_01_aside AS TABLE health_score_2025_01;"
				+ " DROP TABLE health_score_2025_01; COMMIT;";
		String insertBack = "INSERT INTO health_score SELECT * FROM health_score_2025_01_aside;"
				+ " DROP TABLE health_score_2025_01_aside;";
		String reason = "Cannot restore health_score_2025_01: its partition was dropped once archived, and a"
				+ " partition health_score_2025_01 was created again since and holds 2 rows, which a restore does"
				+ " not merge with the archive's. Set them aside, restore, then insert them back: " + setAside
				+ " then run restore --table=health_score --month=2025-01; then " + insertBack
				+ " (a row in both, by the primary key, fails the INSERT: delete the copy not to keep first)";
		// (found once the new partition's checksum differed from the archive's: run
		// restore's check finds it before the job starts)
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessage(reason);
		assertThat(entry(dataSource)).satisfies((entry) -> assertThat(entry.state()).isEqualTo(ArchiveState.DROPPED))
			.satisfies((entry) -> assertThat(entry.lastError()).startsWith(reason));
		assertThat(count(dataSource, "health_score")).isEqualTo(2);
		// what it says, done, keeps every row
		execute(dataSource, setAside);
		assertThat(restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 3L)).isEqualTo(300 * 31);
		execute(dataSource, insertBack);
		assertThat(count(dataSource, "health_score_2025_01")).isEqualTo(300 * 31 + 2);
		assertThat(differences(dataSource, "original", "health_score_2025_01 WHERE user_id <= 300", EVERY_SCORE_COLUMN))
			.isZero();
	}

	/**
	 * Rows of a dropped month written into a DEFAULT partition made PostgreSQL refuse the
	 * restore's ATTACH after the whole month was loaded, with its own message only. (Run
	 * restore's check refuses them before the job starts: ArchiveJobIntegrationTests.)
	 */
	@Test
	void aDefaultPartitionHoldingRowsOfTheMonthStopsTheRestoreWithoutChangingAnythingAndSaysHowToMoveThem()
			throws Exception {
		DataSource dataSource = database("fallback");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("fallback").build();
		scores(dataSource, DECEMBER);
		scores(dataSource, JANUARY);
		execute(dataSource, "CREATE TABLE original AS TABLE health_score_2025_01",
				"CREATE TABLE health_score_default PARTITION OF health_score DEFAULT");
		MonthArchiver archiver = new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3,
				settings, Clock.systemUTC(), Duration.ZERO, ArchiveStepListener.NONE);
		assertThat(archiver.archive(ArchiveTable.HEALTH_SCORE, DECEMBER, 1L)).isEqualTo(ArchiveState.DROPPED);
		assertThat(archiver.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 1L)).isEqualTo(ArchiveState.DROPPED);
		// late scores of January, and one of another month, land in the default partition
		execute(dataSource,
				"INSERT INTO health_score (user_id, score_date, completeness, algorithm_version, inputs_as_of)"
						+ " VALUES (4, '2025-01-01', 0.2, 1, now()), (4, '2025-01-31', 0.3, 1, now()),"
						+ " (4, '2023-06-01', 0.4, 1, now())");
		String range = "score_date >= '2025-01-01'::date AND score_date < '2025-02-01'::date";
		String setAside = "BEGIN; CREATE TABLE health_score_2025_01_aside AS SELECT * FROM health_score_default"
				+ " WHERE " + range + "; DELETE FROM health_score_default WHERE " + range + "; COMMIT;";
		String insertBack = "INSERT INTO health_score SELECT * FROM health_score_2025_01_aside;"
				+ " DROP TABLE health_score_2025_01_aside;";
		String reason = "Cannot restore health_score_2025_01: the DEFAULT partition health_score_default holds 2"
				+ " rows of the month, and PostgreSQL cannot attach health_score_2025_01 while it does. Move them"
				+ " aside, restore, then insert them back: " + setAside
				+ " then run restore --table=health_score --month=2025-01; then " + insertBack
				+ " (a row in both, by the primary key, fails the INSERT: delete the copy not to keep first)";
		List<RestorePhase> phases = new ArrayList<>();
		AtomicBoolean lateWrite = new AtomicBoolean();
		ArchiveStepListener listener = new ArchiveStepListener() {

			@Override
			public void reached(ArchiveTable table, YearMonth month, ArchiveState state) {
			}

			@Override
			public void restored(ArchiveTable table, YearMonth month, RestorePhase phase, long nanos) {
				phases.add(phase);
				if (month.equals(DECEMBER) && phase == RestorePhase.LOAD && lateWrite.compareAndSet(true, false)) {
					try {
						execute(dataSource, "INSERT INTO health_score (user_id, score_date, completeness,"
								+ " algorithm_version, inputs_as_of) VALUES (4, '2024-12-31', 0.5, 1, now())");
					}
					catch (SQLException ex) {
						throw new IllegalStateException(ex);
					}
				}
			}

		};
		MonthRestorer restorer = new MonthRestorer(dataSource, s3, settings, Clock.systemUTC(), listener);
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessage(reason)
			.havingCause()
			.withMessageContaining("updated partition constraint for default partition \"health_score_default\"");
		assertThat(phases).as("loaded, then refused by the attach").endsWith(RestorePhase.CHECKSUM);
		assertThat(entry(dataSource)).satisfies((entry) -> assertThat(entry.state()).isEqualTo(ArchiveState.DROPPED))
			.satisfies((entry) -> assertThat(entry.lastError()).startsWith(reason));
		try (Connection connection = dataSource.getConnection()) {
			assertThat(new ArchivePartitions().status(connection, ArchiveTable.HEALTH_SCORE, JANUARY))
				.isEqualTo(ArchivePartitions.Status.MISSING);
		}
		assertThat(count(dataSource, "health_score_default")).isEqualTo(3);
		// a score of December written to the default partition while December is loaded:
		// the attach fails, and the refusal says what it found then
		lateWrite.set(true);
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, DECEMBER, 3L))
			.withMessageStartingWith("Cannot restore health_score_2024_12: the DEFAULT partition health_score_default"
					+ " holds 1 rows of the month, and PostgreSQL cannot attach health_score_2024_12 while it does.")
			.havingCause()
			.withMessageContaining("updated partition constraint for default partition \"health_score_default\"");
		assertThat(entry(dataSource, DECEMBER).state()).isEqualTo(ArchiveState.DROPPED);
		execute(dataSource, "DELETE FROM health_score_default WHERE score_date = '2024-12-31'");
		// December's rows are not in the default partition: it is restored (the attach
		// reads the default partition for them)
		assertThat(restorer.restore(ArchiveTable.HEALTH_SCORE, DECEMBER, 3L)).isEqualTo(93);
		assertThat(entry(dataSource, DECEMBER).state()).isEqualTo(ArchiveState.RESTORED);
		// what the refusal says, done, keeps every row
		execute(dataSource, setAside);
		assertThat(restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 4L)).isEqualTo(93);
		execute(dataSource, insertBack);
		assertThat(count(dataSource, "health_score_2025_01")).isEqualTo(95);
		assertThat(count(dataSource, "health_score_default")).isOne();
		assertThat(differences(dataSource, "original", "health_score_2025_01 WHERE user_id <> 4", EVERY_SCORE_COLUMN))
			.isZero();
	}

	/**
	 * A partition under another name that covers a dropped month (a quarter's, made by
	 * hand) made the restore's ATTACH fail, once the month was loaded, with PostgreSQL's
	 * "would overlap partition" only.
	 */
	@Test
	void aPartitionUnderAnotherNameThatCoversTheMonthStopsTheRestoreAndItsRowsAreKeptAsTheRefusalSays()
			throws Exception {
		DataSource dataSource = database("overlap");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("overlap").build();
		scores(dataSource, JANUARY);
		execute(dataSource, "CREATE TABLE original AS TABLE health_score_2025_01");
		assertThat(new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3, settings,
				Clock.systemUTC(), Duration.ZERO, ArchiveStepListener.NONE)
			.archive(ArchiveTable.HEALTH_SCORE, JANUARY, 1L)).isEqualTo(ArchiveState.DROPPED);
		execute(dataSource,
				"CREATE TABLE health_score_winter PARTITION OF health_score FOR VALUES FROM ('2024-12-01')"
						+ " TO ('2025-03-01')",
				"INSERT INTO health_score (user_id, score_date, completeness, algorithm_version, inputs_as_of)"
						+ " VALUES (4, '2025-01-20', 0.2, 1, now()), (4, '2025-02-02', 0.3, 1, now())");
		String setAside = "BEGIN; CREATE TABLE health_score_2025_01_aside AS TABLE health_score_winter;"
				+ " DROP TABLE health_score_winter; COMMIT;";
		String insertBack = "INSERT INTO health_score SELECT * FROM health_score_2025_01_aside;"
				+ " DROP TABLE health_score_2025_01_aside;";
		MonthRestorer restorer = new MonthRestorer(dataSource, s3, settings, Clock.systemUTC(),
				ArchiveStepListener.NONE);
		assertThatIllegalStateException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessage("Cannot restore health_score_2025_01: a partition health_score_winter covers the month too"
					+ " and holds 1 rows of it, and PostgreSQL cannot attach health_score_2025_01 beside it. Set its"
					+ " rows aside and drop it, restore, then insert them back: " + setAside
					+ " then run restore --table=health_score --month=2025-01; then " + insertBack
					+ " (a row in both, by the primary key, fails the INSERT: delete the copy not to keep first); its"
					+ " rows of other months need their partitions first (healthscore_ensure_partitions)");
		assertThat(entry(dataSource).state()).isEqualTo(ArchiveState.DROPPED);
		// what it says, done, keeps every row
		execute(dataSource, setAside);
		assertThat(restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 3L)).isEqualTo(93);
		execute(dataSource,
				"SELECT healthscore_ensure_partitions('health_score', DATE '2025-02-01', DATE '2025-02-01')",
				insertBack);
		assertThat(count(dataSource, "health_score")).isEqualTo(95);
		assertThat(differences(dataSource, "original", "health_score_2025_01 WHERE user_id <> 4", EVERY_SCORE_COLUMN))
			.isZero();
	}

	/**
	 * A restore and an archive again ({@code --rearchive}) of the same month at once: the
	 * month's lock lets one through, the other changes nothing (restore: refused;
	 * archive: the month passed over), and each goes on once the other is done.
	 */
	@Test
	void aRestoreAndAnArchiveAgainOfTheSameMonthAtOnceNeverBothWorkOnIt() throws Exception {
		DataSource dataSource = database("race");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("race").build();
		scores(dataSource, JANUARY);
		execute(dataSource, "CREATE TABLE original AS TABLE health_score_2025_01");
		List<String> seen = new ArrayList<>();
		AtomicBoolean again = new AtomicBoolean();
		MonthRestorer[] restorer = new MonthRestorer[1];
		MonthArchiver[] archiver = new MonthArchiver[1];
		// the archive, once it has moved the restored month back to EXPORTING, meets a
		// restore of it
		ArchiveStepListener archiving = (table, month, state) -> {
			if (state == ArchiveState.EXPORTING && again.get()) {
				assertThatIllegalStateException().isThrownBy(() -> restorer[0].restore(table, month, 9L))
					.withMessage("Cannot restore health_score_2025_01: another run is working on it");
				seen.add("restore refused while the archive works");
			}
		};
		// the restore, with the month loaded in its open transaction, meets an archive
		// again of it
		ArchiveStepListener restoring = new ArchiveStepListener() {

			@Override
			public void reached(ArchiveTable table, YearMonth month, ArchiveState state) {
			}

			@Override
			public void restored(ArchiveTable table, YearMonth month, RestorePhase phase, long nanos) {
				if (phase == RestorePhase.LOAD) {
					try {
						assertThat(archiver[0].archive(table, month, 8L, true)).isNull();
						assertThat(entry(dataSource).state()).isEqualTo(ArchiveState.DROPPED);
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
					seen.add("archive passed over while the restore works");
				}
			}

		};
		restorer[0] = new MonthRestorer(dataSource, s3, settings, Clock.systemUTC(), restoring);
		archiver[0] = new MonthArchiver(dataSource, ReplicaGate.builder().primary(dataSource).build(), s3, settings,
				Clock.systemUTC(), Duration.ZERO, archiving);
		assertThat(archiver[0].archive(ArchiveTable.HEALTH_SCORE, JANUARY, 1L)).isEqualTo(ArchiveState.DROPPED);
		assertThat(restorer[0].restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L)).isEqualTo(93);
		assertThat(entry(dataSource).state()).isEqualTo(ArchiveState.RESTORED);
		execute(dataSource, "UPDATE health_score SET score = 7 WHERE user_id = 1 AND score_date = '2025-01-02'");
		again.set(true);
		assertThat(archiver[0].archive(ArchiveTable.HEALTH_SCORE, JANUARY, 3L, true)).isEqualTo(ArchiveState.DROPPED);
		assertThat(restorer[0].restore(ArchiveTable.HEALTH_SCORE, JANUARY, 4L)).isEqualTo(93);
		assertThat(seen).containsExactly("archive passed over while the restore works",
				"restore refused while the archive works", "archive passed over while the restore works");
		// what the month holds is what the archive again exported: the changed score (a
		// row on each side of the difference)
		assertThat(entry(dataSource).state()).isEqualTo(ArchiveState.RESTORED);
		assertThat(differences(dataSource, "original", "health_score_2025_01", EVERY_SCORE_COLUMN)).isEqualTo(2);
		assertThat(count(dataSource, "health_score_2025_01 WHERE score = 7 AND user_id = 1")).isOne();
	}

	private static void assertRefusedAndNothingChanged(DataSource dataSource, MonthRestorer restorer, String error)
			throws SQLException {
		assertThatException().isThrownBy(() -> restorer.restore(ArchiveTable.HEALTH_SCORE, JANUARY, 2L))
			.withMessageStartingWith(error);
		assertThat(entry(dataSource)).satisfies((entry) -> assertThat(entry.state()).isEqualTo(ArchiveState.DROPPED))
			.satisfies((entry) -> assertThat(entry.lastError()).startsWith(error));
		try (Connection connection = dataSource.getConnection()) {
			assertThat(new ArchivePartitions().status(connection, ArchiveTable.HEALTH_SCORE, JANUARY))
				.isEqualTo(ArchivePartitions.Status.MISSING);
		}
		assertThat(count(dataSource, "health_score")).isZero();
	}

	private static byte[] object(String key) {
		return s3.getObjectAsBytes((request) -> request.bucket(BUCKET).key(key)).asByteArray();
	}

	private static void put(String key, byte[] bytes) {
		s3.putObject((request) -> request.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
	}

	/**
	 * Archives a month of {@code target} from the same rows in {@code source}, whose
	 * {@code health_score} has no fingerprint columns, as a build of manifest format 3
	 * did, up to DETACHED.
	 */
	private static void archiveAsFormatThree(DataSource source, DataSource target, ArchiveSettings settings,
			YearMonth month) throws Exception {
		ArchiveTable table = ArchiveTable.HEALTH_SCORE_WITHOUT_FINGERPRINTS;
		ArchiveManifest manifest;
		try (Connection connection = source.getConnection()) {
			ArchiveManifest exported = new PartitionExporter(s3, settings).export(connection, table, month, 1L);
			manifest = new ArchiveManifest(3, exported.table(), exported.month(), exported.sourcePartition(),
					exported.jobExecutionId(), exported.createdAt(), exported.verifiedAt(), exported.location(),
					exported.compression(), exported.schema(), exported.rows(), exported.checksum(), exported.bytes(),
					exported.files());
			ArchiveVerification verification = new ArchiveVerifier(s3).verify(connection, manifest);
			assertThat(verification.problems()).isEmpty();
			manifest = manifest.verified(verification, Instant.now());
			new ArchiveManifests(s3, settings.layout()).write(manifest, settings.encryption());
		}
		ArchiveLedger ledger = new ArchiveLedger();
		try (Connection connection = target.getConnection()) {
			connection.setAutoCommit(true);
			ledger.begin(connection, ArchiveTable.HEALTH_SCORE, month, 1L);
			ledger.exported(connection, manifest, 1L);
			ledger.verified(connection, ArchiveTable.HEALTH_SCORE, month, manifest.contentChecksum(), Instant.now(),
					1L);
			new ArchivePartitions().detach(connection, ArchiveTable.HEALTH_SCORE, month);
			ledger.move(connection, ArchiveTable.HEALTH_SCORE, month, ArchiveState.VERIFIED, ArchiveState.DETACHED,
					Instant.now(), 1L);
		}
	}

	/** 93 scores of a month, with fingerprints as recompute writes them, a few NULL. */
	private static void scores(DataSource dataSource, YearMonth month) throws SQLException {
		execute(dataSource,
				"SELECT healthscore_ensure_partitions('health_score', DATE '" + month.atDay(1) + "', DATE '"
						+ month.atDay(1) + "')",
				"INSERT INTO health_score (user_id, score_date, score, completeness, algorithm_version, inputs_as_of,"
						+ " computed_at, input_count, input_hash, row_hash) SELECT u, DATE '" + month.atDay(1)
						+ "' + d, 50 + d, 1.0, 1, timestamptz '2025-02-01 00:00:00.123456+00',"
						+ " timestamptz '2025-02-01 02:00:00.654321+00', NULLIF(u * d, 0),"
						+ " hashtextextended(u || '/' || d, 0), hashtextextended(u || '|' || d, 0)"
						+ " FROM generate_series(1, 3) u, generate_series(0, 30) d");
	}

	private static long differences(DataSource dataSource, String left, String right, String columns)
			throws SQLException {
		return count(dataSource,
				"((SELECT " + columns + " FROM " + left + " EXCEPT ALL SELECT " + columns + " FROM " + right
						+ ") UNION ALL (SELECT " + columns + " FROM " + right + " EXCEPT ALL SELECT " + columns
						+ " FROM " + left + ")) d");
	}

	private static long count(DataSource dataSource, String from) throws SQLException {
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT count(*) FROM " + from)) {
			result.next();
			return result.getLong(1);
		}
	}

	/** A new database with the schema. */
	private static DataSource database(String name) throws SQLException {
		execute(postgres.getPostgresDatabase(), "CREATE DATABASE " + name);
		DataSource dataSource = postgres.getDatabase("postgres", name);
		Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
		return dataSource;
	}

	private static ArchiveLedgerEntry entry(DataSource dataSource) throws SQLException {
		return entry(dataSource, JANUARY);
	}

	private static ArchiveLedgerEntry entry(DataSource dataSource, YearMonth month) throws SQLException {
		try (Connection connection = dataSource.getConnection()) {
			return new ArchiveLedger().find(connection, ArchiveTable.HEALTH_SCORE, month);
		}
	}

	/** Archives January's scores as the archive job does, up to DETACHED. */
	private static void archiveAndDetach(DataSource dataSource, ArchiveSettings settings) throws Exception {
		execute(dataSource,
				"SELECT healthscore_ensure_partitions('health_score', DATE '2025-01-01', DATE '2025-01-01')",
				"INSERT INTO health_score (user_id, score_date, score, completeness, algorithm_version, inputs_as_of)"
						+ " SELECT u, DATE '2025-01-01' + d, 50 + d, 1.0, 1, timestamptz '2025-02-01 00:00:00+00'"
						+ " FROM generate_series(1, 3) u, generate_series(0, 30) d");
		ArchiveLedger ledger = new ArchiveLedger();
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(true);
			ledger.begin(connection, ArchiveTable.HEALTH_SCORE, JANUARY, 1L);
			ArchiveManifest manifest = new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
					JANUARY, 1L);
			ledger.exported(connection, manifest, 1L);
			ArchiveVerification verification = new ArchiveVerifier(s3).verify(connection, manifest);
			assertThat(verification.problems()).isEmpty();
			new ArchiveManifests(s3, settings.layout()).write(manifest.verified(verification, Instant.now()),
					settings.encryption());
			ledger.verified(connection, ArchiveTable.HEALTH_SCORE, JANUARY, verification.expected(), Instant.now(), 1L);
			new ArchivePartitions().detach(connection, ArchiveTable.HEALTH_SCORE, JANUARY);
			ledger.move(connection, ArchiveTable.HEALTH_SCORE, JANUARY, ArchiveState.VERIFIED, ArchiveState.DETACHED,
					Instant.now(), 1L);
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
