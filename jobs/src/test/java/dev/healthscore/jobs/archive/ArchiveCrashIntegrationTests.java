package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.healthscore.io.archive.ArchiveLayout;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.ChecksumSql;
import dev.healthscore.io.archive.ContentChecksum;
import dev.healthscore.jobs.archive.ArchiveTestServers.Partition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import org.springframework.jdbc.core.JdbcTemplate;

import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.assertLedgerHolds;
import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.attached;
import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.names;
import static dev.healthscore.jobs.archive.ArchiveJobIntegrationTests.states;
import static dev.healthscore.jobs.archive.ArchiveTestServers.ARCHIVED;
import static dev.healthscore.jobs.archive.ArchiveTestServers.BUCKET;
import static dev.healthscore.jobs.archive.ArchiveTestServers.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

/**
 * An archive run that crashes right after each state of the ledger, or finds its S3 copy
 * damaged, is resumed by the next run without losing rows and without leaving duplicate
 * or stray objects; and a user changing while the snapshot is taken does not fail its
 * comparison.
 */
class ArchiveCrashIntegrationTests {

	private static ArchiveTestServers servers;

	@BeforeAll
	static void start() throws Exception {
		servers = ArchiveTestServers.start(12);
	}

	@AfterAll
	static void stop() throws Exception {
		servers.close();
	}

	@ParameterizedTest
	@EnumSource(names = { "EXPORTING", "EXPORTED", "VERIFIED", "DETACHED", "DROPPED" })
	void aRunThatCrashedAfterAStateIsResumedByTheNextRun(ArchiveState state) {
		String database = "crash_" + state.name().toLowerCase();
		JdbcTemplate jdbc = servers.database(database);
		Map<String, ContentChecksum> source = ArchiveTestServers.checksums(jdbc);
		assertThat(servers.app(database, NOW, ArchiveTestServers.crashAfter(state), "run", "archive",
				"--healthscore.archive.grace-period=0s"))
			.isEqualTo(1);
		assertThat(jdbc.queryForObject("SELECT state FROM archive_ledger WHERE last_error LIKE 'Injected crash%'",
				String.class))
			.isEqualTo(state.name());
		assertThat(servers.app(database, NOW, null, "run", "archive", "--healthscore.archive.grace-period=0s"))
			.isZero();
		assertThat(jdbc.queryForObject("SELECT count(*) FROM batch_job_execution e JOIN batch_job_instance i"
				+ " USING (job_instance_id) WHERE i.job_name = 'archive'", Long.class))
			.as("the second run restarts the failed execution")
			.isEqualTo(2);
		assertThat(states(jdbc)).containsOnly("DROPPED").hasSize(4);
		assertThat(attached(jdbc)).doesNotContainAnyElementsOf(names());
		assertLedgerHolds(jdbc, source);
		assertManifestsHold(database, source);
		assertThat(servers.objects(database)).isEqualTo(servers.expectedObjects(database));
		assertThat(servers.noUnfinishedUploads()).isTrue();
	}

	@Test
	void anArchiveAgainThatCrashedAsItStartedIsFinishedByTheNextRunWithoutTheOption() {
		JdbcTemplate jdbc = servers.database("againcrash");
		Map<String, ContentChecksum> source = new HashMap<>(ArchiveTestServers.checksums(jdbc));
		assertThat(servers.app("againcrash", NOW, null, "run", "archive", "--healthscore.archive.grace-period=0s"))
			.isZero();
		assertThat(servers.app("againcrash", NOW, null, "run", "restore", "--table=health_reading", "--month=2025-01"))
			.isZero();
		assertThat(jdbc.update("UPDATE health_reading SET value = value + 1"
				+ " WHERE recorded_at >= '2025-01-10 00:00:00+00' AND recorded_at < '2025-01-12 00:00:00+00'"))
			.isPositive();
		source.put("health_reading_2025_01", readingsOfJanuary(jdbc));
		// moved back to EXPORTING, with the verified manifest still that of the first
		// copy; the ledger no longer has its counts and checksum
		assertThat(servers.app("againcrash", NOW, ArchiveTestServers.crashAfter(ArchiveState.EXPORTING), "run",
				"archive", "--rearchive=2025-01", "--healthscore.archive.grace-period=0s"))
			.isEqualTo(1);
		assertThat(jdbc.queryForMap("SELECT state, file_count, row_count, checksum, bytes, restored_at"
				+ " FROM archive_ledger WHERE last_error LIKE 'Injected crash%'"))
			.containsEntry("state", "EXPORTING")
			.containsEntry("file_count", null)
			.containsEntry("row_count", null)
			.containsEntry("checksum", null)
			.containsEntry("bytes", null)
			.hasEntrySatisfying("restored_at", (restored) -> assertThat(restored).isNotNull());
		assertThat(servers.app("againcrash", NOW, null, "run", "archive", "--healthscore.archive.grace-period=0s"))
			.isZero();
		assertThat(states(jdbc)).containsOnly("DROPPED").hasSize(4);
		assertLedgerHolds(jdbc, source);
		assertManifestsHold("againcrash", source);
		assertThat(servers.objects("againcrash")).isEqualTo(servers.expectedObjects("againcrash"));
		assertThat(servers.app("againcrash", NOW, null, "run", "restore", "--table=health_reading", "--month=2025-01"))
			.isZero();
		assertThat(readingsOfJanuary(jdbc)).isEqualTo(source.get("health_reading_2025_01"));
	}

	@Test
	void anArchiveAgainOfTwoMonthsThatFailedOnTheSecondAfterDroppingTheFirstGoesOnWithTheSameCommand() {
		JdbcTemplate jdbc = servers.database("againtwo");
		String[] command = { "run", "archive", "--rearchive=2024-12,2025-01", "--healthscore.archive.grace-period=0s" };
		assertThat(servers.app("againtwo", NOW, null, "run", "archive", "--healthscore.archive.grace-period=0s"))
			.isZero();
		for (String month : new String[] { "2024-12", "2025-01" }) {
			assertThat(servers.app("againtwo", NOW, null, "run", "restore", "--table=health_score", "--month=" + month))
				.isZero();
		}
		AtomicBoolean crashed = new AtomicBoolean();
		ArchiveStepListener crashOnJanuary = (table, month, reached) -> {
			if (month.getMonthValue() == 1 && reached == ArchiveState.EXPORTED && crashed.compareAndSet(false, true)) {
				throw new IllegalStateException("Injected crash after " + table.partitionName(month) + " " + reached);
			}
		};
		assertThat(servers.app("againtwo", NOW, crashOnJanuary, command)).isEqualTo(1);
		assertThat(states(jdbc)).containsExactly("DROPPED", "DROPPED", "DROPPED", "EXPORTED");
		// what the failed run says to do: December is archived again already, January
		// goes on
		assertThat(servers.app("againtwo", NOW, null, command)).isZero();
		assertThat(states(jdbc)).containsOnly("DROPPED").hasSize(4);
		// and again, with nothing left to do, as a restore of a restored month does
		// nothing
		assertThat(servers.app("againtwo", NOW, null, command)).isZero();
		assertThat(states(jdbc)).containsOnly("DROPPED").hasSize(4);
	}

	private static ContentChecksum readingsOfJanuary(JdbcTemplate jdbc) {
		return jdbc.execute((Connection connection) -> {
			try {
				return ChecksumSql.compute(connection, ArchiveTable.HEALTH_READING, "health_reading_2025_01");
			}
			catch (SQLException ex) {
				throw new IllegalStateException(ex);
			}
		});
	}

	@Test
	void aRunThatCrashedBetweenWritingTheVerifiedManifestAndRecordingItIsResumed() {
		JdbcTemplate jdbc = servers.database("halfverified");
		Map<String, ContentChecksum> source = ArchiveTestServers.checksums(jdbc);
		// the ledger refuses the move to VERIFIED: the verified manifest is in S3 already
		jdbc.execute("""
				CREATE FUNCTION refuse_verified() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'Injected crash before the ledger records VERIFIED'; END $$""");
		jdbc.execute("""
				CREATE TRIGGER refuse_verified BEFORE UPDATE ON archive_ledger FOR EACH ROW
				WHEN (OLD.state = 'EXPORTED' AND NEW.state = 'VERIFIED') EXECUTE FUNCTION refuse_verified()""");
		assertThat(servers.app("halfverified", NOW, null, "run", "archive", "--healthscore.archive.grace-period=0s"))
			.isEqualTo(1);
		List<Partition> exported = ARCHIVED.stream()
			.filter((partition) -> jdbc
				.queryForList("SELECT state FROM archive_ledger WHERE partition_name = ?", String.class,
						partition.name())
				.contains("EXPORTED"))
			.toList();
		assertThat(exported).isNotEmpty();
		ArchiveManifests manifests = new ArchiveManifests(servers.s3(), new ArchiveLayout(BUCKET, "halfverified"));
		for (Partition partition : exported) {
			ArchiveManifest manifest = manifests.read(partition.table(), partition.month());
			assertThat(manifest.verified()).as(partition.name()).isTrue();
			assertThat(manifest.contentChecksum()).as(partition.name()).isEqualTo(source.get(partition.name()));
			assertThat(jdbc.queryForObject("SELECT checksum FROM archive_ledger WHERE partition_name = ?", String.class,
					partition.name()))
				.isNull();
		}
		jdbc.execute("DROP TRIGGER refuse_verified ON archive_ledger");
		assertThat(servers.app("halfverified", NOW, null, "run", "archive", "--healthscore.archive.grace-period=0s"))
			.isZero();
		assertThat(states(jdbc)).containsOnly("DROPPED").hasSize(4);
		assertLedgerHolds(jdbc, source);
		assertManifestsHold("halfverified", source);
		assertThat(servers.objects("halfverified")).isEqualTo(servers.expectedObjects("halfverified"));
	}

	@Test
	void theUserSnapshotIsComparedWithTheTableAsItWasExportedNotAsItIsAfterwards() throws Exception {
		JdbcTemplate jdbc = servers.database("snapshot");
		long user = jdbc.queryForObject("SELECT min(user_id) FROM app_user", Long.class);
		// a user changes right after the export wrote its manifest, before the comparison
		AtomicBoolean changed = new AtomicBoolean();
		S3Client s3 = mock(S3Client.class, delegatesTo(servers.s3()));
		doAnswer((call) -> {
			if (changed.compareAndSet(false, true)) {
				jdbc.update("UPDATE app_user SET daily_step_goal = daily_step_goal + 1 WHERE user_id = ?", user);
			}
			return servers.s3()
				.putObject(call.getArgument(0, PutObjectRequest.class), call.getArgument(1, RequestBody.class));
		}).when(s3)
			.putObject(argThat((PutObjectRequest request) -> request.key().endsWith("app_user/_manifest.json")),
					any(RequestBody.class));
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("snapshot").build();
		SnapshotTasklet tasklet = new SnapshotTasklet(servers.dataSource("snapshot"), s3, settings,
				Clock.fixed(NOW, ZoneOffset.UTC));
		StepExecution step = new StepExecution(2L, "archiveUsers",
				new JobExecution(1L, new JobInstance(1L, "archive"), new JobParameters()));
		assertThat(tasklet.execute(new StepContribution(step), null)).isEqualTo(RepeatStatus.FINISHED);
		assertThat(changed).isTrue();
		ArchiveManifest manifest = new ArchiveManifests(servers.s3(), settings.layout()).read(ArchiveTable.APP_USER,
				null);
		assertThat(manifest.verified()).isTrue();
		assertThat(manifest.verifiedAt()).isEqualTo(NOW.toString());
		// the table has moved on since: compared outside the export's snapshot, it
		// differs
		ContentChecksum now = jdbc.execute((Connection connection) -> {
			try {
				return ChecksumSql.compute(connection, ArchiveTable.APP_USER, "app_user");
			}
			catch (SQLException ex) {
				throw new IllegalStateException(ex);
			}
		});
		assertThat(now.rows()).isEqualTo(manifest.rows());
		assertThat(now).isNotEqualTo(manifest.contentChecksum());
	}

	/** Every archived month's manifest is verified and holds its source's checksum. */
	private static void assertManifestsHold(String database, Map<String, ContentChecksum> source) {
		ArchiveManifests manifests = new ArchiveManifests(servers.s3(), new ArchiveLayout(BUCKET, database));
		for (Partition partition : ARCHIVED) {
			ArchiveManifest manifest = manifests.read(partition.table(), partition.month());
			assertThat(manifest.verifiedAt()).as(partition.name()).isNotNull();
			assertThat(manifest.contentChecksum()).as(partition.name()).isEqualTo(source.get(partition.name()));
			assertThat(manifest.files()
				.stream()
				.map((file) -> ContentChecksum.of(file.rows(), file.checksum()))
				.reduce(ContentChecksum.EMPTY, ContentChecksum::plus)).as(partition.name())
				.isEqualTo(manifest.contentChecksum());
		}
		assertThat(manifests.read(ArchiveTable.APP_USER, null).verified()).isTrue();
	}

	@Test
	void anObjectLostInTheGracePeriodStopsTheDropAndTheMonthIsExportedAgainFromTheDetachedTable() {
		JdbcTemplate jdbc = servers.database("lost");
		Map<String, ContentChecksum> source = ArchiveTestServers.checksums(jdbc);
		assertThat(servers.app("lost", NOW, null, "run", "archive")).isZero();
		// the month's last data file, whatever their number (the encoding decides it)
		String lost = servers.objects("lost")
			.stream()
			.filter((key) -> key.startsWith("lost/health_reading/month=2025-01/part-"))
			.max(String::compareTo)
			.orElseThrow();
		servers.s3().deleteObject((request) -> request.bucket(BUCKET).key(lost));
		assertThat(servers.app("lost", NOW.plus(Duration.ofDays(8)), null, "run", "archive")).isEqualTo(1);
		assertThat(jdbc.queryForMap("SELECT state, last_error FROM archive_ledger WHERE partition_name = ?",
				"health_reading_2025_01"))
			.containsEntry("state", "EXPORTING")
			.hasEntrySatisfying("last_error",
					(error) -> assertThat((String) error).contains("Missing object: s3://" + BUCKET + "/" + lost));
		assertThat(ArchiveJobIntegrationTests.count(jdbc, "health_reading_2025_01")).isPositive();
		assertThat(servers.app("lost", NOW.plus(Duration.ofDays(8)), null, "run", "archive",
				"--healthscore.archive.grace-period=0s"))
			.isZero();
		assertThat(states(jdbc)).containsOnly("DROPPED").hasSize(4);
		assertLedgerHolds(jdbc, source);
		assertManifestsHold("lost", source);
		assertThat(servers.objects("lost")).contains(lost).isEqualTo(servers.expectedObjects("lost"));
	}

}
