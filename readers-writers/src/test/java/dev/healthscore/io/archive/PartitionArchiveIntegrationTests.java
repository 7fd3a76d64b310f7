package dev.healthscore.io.archive;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.io.s3.ServerSideEncryption;
import dev.healthscore.io.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mockito.ArgumentCaptor;
import org.mockito.ArgumentMatchers;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * Exports a month of generated rows to the in-process S3 server, reads it back, verifies
 * it against PostgreSQL's own checksum and restores it exactly.
 */
class PartitionArchiveIntegrationTests {

	static final String BUCKET = "archive";

	static final YearMonth JANUARY = YearMonth.of(2025, 1);

	private static TestPostgres postgres;

	private static EmbeddedS3Server server;

	private static S3Client s3;

	@BeforeAll
	static void start() throws Exception {
		postgres = TestPostgres.start();
		postgres.seedJanuary2025(200, 200);
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
	void readingsMonthIsExportedVerifiedAndRestoredExactly() throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("full").build();
		try (Connection connection = postgres.connection()) {
			ArchiveManifest manifest = new PartitionExporter(s3, settings).export(connection,
					ArchiveTable.HEALTH_READING, JANUARY, 7L);
			assertThat(manifest.rows()).isEqualTo(200 * 5 * 200 + 10);
			assertThat(manifest.files()).extracting(ArchiveFile::key)
				.containsExactly("full/health_reading/month=2025-01/part-00000.parquet");
			assertThat(manifest.jobExecutionId()).isEqualTo(7L);
			assertThat(new ArchiveManifests(s3, settings.layout()).read(ArchiveTable.HEALTH_READING, JANUARY))
				.isEqualTo(manifest);
			// the writer hashes nothing: the checksums come from reading back
			assertThat(manifest.verified()).isFalse();
			assertThat(manifest.files()).extracting(ArchiveFile::checksum).containsOnlyNulls();
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new PartitionRestorer(s3).restore(connection, manifest, "health_reading_2025_01"))
				.withMessageEndingWith("its manifest was never verified, so there is no checksum to restore by");
			ArchiveVerification verification = new ArchiveVerifier(s3).verify(connection, manifest);
			assertThat(verification.problems()).isEmpty();
			assertThat(verification.actual().rows()).isEqualTo(manifest.rows());
			assertThat(verification.files()).containsOnlyKeys(manifest.files().get(0).key());
			ArchiveManifest verified = manifest.verified(verification, Instant.now());
			assertThat(verified.contentChecksum()).isEqualTo(verification.expected());
			assertThat(new ArchiveVerifier(s3).verify(connection, verified).problems()).isEmpty();
			assertRestoredExactly(connection, verified, "health_reading_2025_01",
					"user_id, metric, recorded_at, float8send(value), source, ingested_at");
		}
	}

	@Test
	void scoresPartitionIsDroppedAndRestoredInPlaceExactly() throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET)
			.prefix("full")
			.compression(ArchiveSettings.Compression.SNAPPY)
			.build();
		String columns = "user_id, score_date, score, activity_score, sleep_score, heart_score,"
				+ " float4send(completeness), algorithm_version, inputs_as_of, computed_at, input_count, input_hash,"
				+ " row_hash";
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			ArchiveManifest manifest = new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
					JANUARY, null);
			assertThat(manifest.rows()).isEqualTo(200 * 31 + 3);
			ArchiveVerification verification = new ArchiveVerifier(s3).verify(connection, manifest);
			assertThat(verification.problems()).isEmpty();
			ArchiveManifest verified = manifest.verified(verification, Instant.now());
			statement.execute("CREATE TABLE original_scores AS SELECT * FROM health_score_2025_01");
			statement.execute("DROP TABLE health_score_2025_01");
			statement
				.execute("SELECT healthscore_ensure_partitions('health_score', DATE '2025-01-01', DATE '2025-01-01')");
			ArchiveVerification restored = new PartitionRestorer(s3).restore(connection, verified,
					"health_score_2025_01");
			assertThat(restored.problems()).isEmpty();
			assertThat(differences(connection, "original_scores", "health_score_2025_01", columns)).isZero();
			assertThat(count(connection, "health_score")).isEqualTo(manifest.rows());
		}
	}

	@Test
	void valuesAtTheEdgesOfTheirTypesBefore1970RestoreExactlyAndReadInDuckDbAsPostgresqlTruncatesThem(
			@TempDir Path download) throws Exception {
		YearMonth december1969 = YearMonth.of(1969, 12);
		postgres.execute("SELECT healthscore_ensure_partitions('health_reading', DATE '1969-11-01', DATE '1969-12-01')",
				"SELECT healthscore_ensure_partitions('health_score', DATE '1969-12-01', DATE '1969-12-01')",
				"INSERT INTO health_reading VALUES"
						+ " (-9223372036854775808, '', '1969-12-31 23:59:59.999999+00', 'NaN', 'a',"
						+ " '4713-01-01 00:00:00+00 BC'),"
						+ " (9223372036854775807, 'x', '1969-12-01 00:00:00+00', '-0', 'b', '0001-01-01 00:00:00+00'),"
						+ " (0, 'y', '1969-12-15 12:00:00.000001+00', '-Infinity', 'c', '1900-01-01 00:00:00.5+00'),"
						+ " (0, 'y', '1969-12-15 12:00:00.000999+00', 4.9e-324, repeat('é😀', 5000),"
						+ " '294247-01-10 04:00:54.775807+00'),"
						+ " (1, 'z', '1969-12-15 12:00:00.001+00', NULL, E'line\\nbreak\\\\ \"q\" ''s',"
						+ " '1969-12-31 23:59:59.000001+00')",
				"INSERT INTO health_score VALUES"
						+ " (1, '1969-12-01', -32768, 32767, NULL, 0, 'NaN', -2147483648, '4713-01-01 00:00:00+00 BC',"
						+ " '1969-12-31 23:59:59.999999+00', -2147483648, -9223372036854775808, 9223372036854775807),"
						+ " (1, '1969-12-31', NULL, NULL, NULL, NULL, '1.4e-45', 2147483647, '1969-12-31 23:59:59.999+00',"
						+ " '9999-12-31 23:59:59.999999+00', NULL, NULL, NULL)",
				// past the last instant of 64-bit microseconds since 1970
				"INSERT INTO health_reading VALUES (1, 'z', '1969-11-30 00:00:00+00', 1, 'a',"
						+ " '294276-12-31 23:59:59.999999+00')");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("edges").build();
		try (Connection connection = postgres.connection()) {
			assertThatIOException()
				.isThrownBy(() -> new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_READING,
						YearMonth.of(1969, 11), null))
				.withMessageContaining("in column ingested_at: it is after +294247-01-10T04:00:54.775807Z");
			assertThat(s3.listObjectsV2((request) -> request.bucket(BUCKET).prefix("edges/")).contents()).isEmpty();
			String[][] tables = {
					{ "health_reading_1969_12",
							"user_id, metric, recorded_at, float8send(value), source," + " ingested_at" },
					{ "health_score_1969_12", "user_id, score_date, score, activity_score, sleep_score, heart_score,"
							+ " float4send(completeness), algorithm_version, inputs_as_of, computed_at, input_count,"
							+ " input_hash, row_hash" } };
			for (String[] table : tables) {
				ArchiveTable archived = ArchiveTable.of(table[0].substring(0, table[0].length() - 8));
				ArchiveManifest manifest = new PartitionExporter(s3, settings).export(connection, archived,
						december1969, null);
				ArchiveVerification verification = new ArchiveVerifier(s3).verify(connection, manifest);
				assertThat(verification.problems()).isEmpty();
				assertRestoredExactly(connection, manifest.verified(verification, Instant.now()), table[0], table[1]);
			}
			for (S3Object object : s3.listObjectsV2((request) -> request.bucket(BUCKET).prefix("edges/")).contents()) {
				Path file = download.resolve(object.key());
				Files.createDirectories(file.getParent());
				Files.write(file,
						s3.getObjectAsBytes((request) -> request.bucket(BUCKET).key(object.key())).asByteArray());
			}
			// Athena's millisecond timestamps are the microseconds truncated towards
			// the past, as PostgreSQL's date_trunc does, and the _micros columns exact
			String postgresql = "SELECT %s FROM %s ORDER BY 1";
			String duckDb = "SELECT %s FROM read_parquet('" + download.resolve("edges") + "/%s/*/*.parquet',"
					+ " hive_partitioning = true) ORDER BY 1";
			String readings = "concat_ws('/', user_id, metric, %s, %s, %s, %s)";
			String scores = "concat_ws('/', user_id, score_date, %s, %s, %s, %s, input_hash)";
			assertThat(rows(connection,
					postgresql.formatted(readings.formatted(ms("recorded_at"), us("recorded_at"), ms("ingested_at"),
							us("ingested_at")), "health_reading_1969_12")))
				.hasSize(5)
				.isEqualTo(duckDb(duckDb.formatted(readings.formatted("epoch_us(recorded_at)", "recorded_at_micros",
						"epoch_us(ingested_at)", "ingested_at_micros"), "health_reading")));
			assertThat(rows(connection,
					postgresql.formatted(scores.formatted(ms("inputs_as_of"), us("inputs_as_of"), ms("computed_at"),
							us("computed_at")), "health_score_1969_12")))
				.hasSize(2)
				.isEqualTo(duckDb(duckDb.formatted(scores.formatted("epoch_us(inputs_as_of)", "inputs_as_of_micros",
						"epoch_us(computed_at)", "computed_at_micros"), "health_score")));
		}
		finally {
			postgres.execute("DROP TABLE health_reading_1969_11, health_reading_1969_12, health_score_1969_12");
		}
	}

	/**
	 * PostgreSQL's microseconds since 1970 of a timestamp truncated to the millisecond.
	 */
	private static String ms(String column) {
		return us("date_trunc('milliseconds', " + column + ")");
	}

	/**
	 * PostgreSQL's exact microseconds since 1970 of a timestamp, from its binary form
	 * ({@code extract(epoch …)} rounds near the end of the range).
	 */
	private static String us(String column) {
		return "(('x' || encode(timestamptz_send(" + column + "), 'hex'))::bit(64)::bigint + 946684800000000)::text";
	}

	private static List<String> rows(Connection connection, String sql) throws SQLException {
		List<String> rows = new ArrayList<>();
		try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
			while (result.next()) {
				rows.add(result.getString(1));
			}
		}
		return rows;
	}

	private static List<String> duckDb(String sql) throws SQLException {
		try (Connection duckDb = DriverManager.getConnection("jdbc:duckdb:")) {
			return rows(duckDb, sql);
		}
	}

	@Test
	void emptyMonthExportsManifestWithoutFilesAndVerifies() throws Exception {
		postgres
			.execute("SELECT healthscore_ensure_partitions('health_reading', DATE '2025-03-01', DATE '2025-03-01')");
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("empty").build();
		try (Connection connection = postgres.connection()) {
			ArchiveManifest manifest = new PartitionExporter(s3, settings).export(connection,
					ArchiveTable.HEALTH_READING, YearMonth.of(2025, 3), null);
			assertThat(manifest.files()).isEmpty();
			assertThat(manifest.rows()).isZero();
			ArchiveVerification verification = new ArchiveVerifier(s3).verify(connection, manifest);
			assertThat(verification.matches()).isTrue();
			assertThat(manifest.verified(verification, Instant.now()).contentChecksum())
				.isEqualTo(ContentChecksum.EMPTY);
		}
	}

	@Test
	void largeMonthSplitsIntoFilesAndRerunWithFewerFilesRemovesStaleOnes() throws Exception {
		ArchiveSettings small = smallFiles("split");
		try (Connection connection = postgres.connection()) {
			ArchiveManifest split = new PartitionExporter(s3, small).export(connection, ArchiveTable.HEALTH_READING,
					JANUARY, 1L);
			assertThat(split.files()).hasSizeGreaterThan(2);
			assertThat(split.files().get(1).key()).isEqualTo("split/health_reading/month=2025-01/part-00001.parquet");
			assertThat(split.files()).allSatisfy((file) -> assertThat(file.bytes()).isLessThan(1024 * 1024));
			ArchiveVerification first = new ArchiveVerifier(s3).verify(connection, split);
			assertThat(first.problems()).isEmpty();
			ArchiveSettings large = ArchiveSettings.builder(BUCKET).prefix("split").build();
			ArchiveManifest rerun = new PartitionExporter(s3, large).export(connection, ArchiveTable.HEALTH_READING,
					JANUARY, 2L);
			assertThat(rerun.files()).hasSize(1);
			assertThat(new ArchiveObjects(s3)
				.dataFiles(new ArchiveLayout(BUCKET, "split").folder(ArchiveTable.HEALTH_READING, JANUARY))).hasSize(1);
			ArchiveVerification second = new ArchiveVerifier(s3).verify(connection, rerun);
			assertThat(second.problems()).isEmpty();
			assertThat(second.actual()).isEqualTo(first.actual());
			assertThat(first.files().values().stream().reduce(ContentChecksum.EMPTY, ContentChecksum::plus))
				.isEqualTo(first.actual());
		}
	}

	@Test
	void filesHoldRowsSortedByUserThenTimeAndTheScanSettingIsReset() throws Exception {
		ArchiveSettings small = smallFiles("sorted");
		List<String> expected = new ArrayList<>();
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			// PostgreSQL gives rows by user only, each user's in heap order (by metric
			// here): the exporter sorts them by time, then metric and source
			ArchiveManifest manifest = new PartitionExporter(s3, small).export(connection, ArchiveTable.HEALTH_READING,
					JANUARY, null);
			assertThat(setting(statement, "enable_indexscan")).isEqualTo("on");
			// inside the caller's transaction too, and before it ends
			connection.setAutoCommit(false);
			statement.execute("SET LOCAL enable_indexscan = on");
			new PartitionExporter(s3, small).export(connection, ArchiveTable.HEALTH_READING, JANUARY, null);
			assertThat(setting(statement, "enable_indexscan")).isEqualTo("on");
			connection.commit();
			connection.setAutoCommit(true);
			assertThat(manifest.files()).hasSizeGreaterThan(2);
			try (ResultSet rows = statement.executeQuery("SELECT user_id, (extract(epoch FROM recorded_at) * 1000000)"
					+ "::bigint, metric, source FROM health_reading_2025_01"
					+ " ORDER BY user_id, recorded_at, metric COLLATE \"C\", source COLLATE \"C\"")) {
				while (rows.next()) {
					expected.add(rows.getLong(1) + "/" + rows.getLong(2) + "/" + rows.getString(3) + "/"
							+ rows.getString(4));
				}
			}
			List<String> archived = new ArrayList<>();
			new ArchiveReader(s3).read(manifest,
					(row) -> archived.add(row[0] + "/" + row[2] + "/" + row[1] + "/" + row[4]));
			assertThat(archived).containsExactlyElementsOf(expected);
		}
	}

	@Test
	void aUserWithFarMoreRowsThanTheSortBufferIsSortedOnDiskIntoTheSameFilesAsInMemory(@TempDir Path sortDirectory)
			throws Exception {
		YearMonth may = YearMonth.of(2025, 5);
		// 30 light users of 0 to 29 readings; user 20 with 6,000 readings, four at each
		// second (two metrics, two sources) so that times tie, inserted out of order
		postgres.execute("SELECT healthscore_ensure_partitions('health_reading', DATE '2025-05-01', DATE '2025-05-01')",
				"INSERT INTO health_reading (user_id, metric, recorded_at, value, source, ingested_at)"
						+ " SELECT u, 'steps', timestamptz '2025-05-01 00:00:00+00' + i * interval '1 hour'"
						+ " + u * interval '1 microsecond', i * 1.5, 'phone', timestamptz '2025-06-01 00:00:00+00'"
						+ " FROM generate_series(1, 30) u, generate_series(1, u - 1) i",
				"INSERT INTO health_reading (user_id, metric, recorded_at, value, source, ingested_at)"
						+ " SELECT 20, (ARRAY['heart_rate', 'active_minutes'])[1 + i % 2],"
						+ " timestamptz '2025-05-01 00:00:00+00' + (i / 4) * interval '1 second',"
						+ " CASE WHEN i % 101 = 0 THEN NULL ELSE 60 + (i * 7919) % 61 END,"
						+ " (ARRAY['watch', 'chest strap'])[1 + (i / 2) % 2],"
						+ " timestamptz '2025-06-01 00:00:00+00' + i * interval '1 microsecond'"
						+ " FROM generate_series(0, 5999) i ORDER BY (i * 7919) % 6000",
				"ANALYZE health_reading_2025_05");
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			ArchiveSettings inMemory = ArchiveSettings.builder(BUCKET).prefix("in-memory").build();
			// runs of 20 rows: 300 for user 20, merged 64 at a time past 64; light users
			// of 21 to 29 rows write one run each
			ArchiveSettings onDisk = ArchiveSettings.builder(BUCKET)
				.prefix("on-disk")
				.sortBufferRows(20)
				.sortDirectory(sortDirectory)
				.build();
			ArchiveManifest expected = new PartitionExporter(s3, inMemory).export(connection,
					ArchiveTable.HEALTH_READING, may, null);
			ArchiveManifest manifest = new PartitionExporter(s3, onDisk).export(connection, ArchiveTable.HEALTH_READING,
					may, null);
			try (Stream<Path> files = Files.list(sortDirectory)) {
				assertThat(files).isEmpty();
			}
			assertThat(manifest.rows()).isEqualTo(expected.rows()).isEqualTo(6_000 + 29 * 30 / 2);
			// the same rows in the same order make the same bytes
			assertThat(manifest.files()).extracting(ArchiveFile::sha256)
				.isEqualTo(expected.files().stream().map(ArchiveFile::sha256).toList());
			List<String> rows = new ArrayList<>();
			try (ResultSet result = statement.executeQuery("SELECT concat_ws('/', user_id, " + us("recorded_at")
					+ ", metric, source, coalesce(encode(float8send(value), 'hex'), 'null'), " + us("ingested_at")
					+ ") FROM health_reading_2025_05"
					+ " ORDER BY user_id, recorded_at, metric COLLATE \"C\", source COLLATE \"C\"")) {
				while (result.next()) {
					rows.add(result.getString(1));
				}
			}
			List<String> archived = new ArrayList<>();
			new ArchiveReader(s3).read(manifest,
					(row) -> archived.add(row[0]
							+ "/" + row[2] + "/" + row[1] + "/" + row[4] + "/" + ((row[3] != null)
									? String.format("%016x", Double.doubleToRawLongBits((Double) row[3])) : "null")
							+ "/" + row[5]));
			assertThat(archived).hasSize(rows.size()).containsExactlyElementsOf(rows);
			assertThat(new ArchiveVerifier(s3).verify(connection, manifest).problems()).isEmpty();
		}
		finally {
			postgres.execute("DROP TABLE health_reading_2025_05");
		}
	}

	@Test
	void theSortKeyOfEveryTableIsItsPrimaryKeySoTheOrderIsTotal() throws Exception {
		// sorted runs merge into the order of one sort only if no two rows tie
		try (Connection connection = postgres.connection(); Statement statement = connection.createStatement()) {
			for (ArchiveTable table : List.of(ArchiveTable.HEALTH_READING, ArchiveTable.HEALTH_SCORE,
					ArchiveTable.APP_USER)) {
				List<String> primaryKey = rows(connection,
						"SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
								+ " AND a.attnum = ANY (i.indkey) WHERE i.indisprimary AND i.indrelid = '"
								+ table.tableName() + "'::regclass ORDER BY a.attname");
				assertThat(Stream.of(table.orderBy().split(",")).map(String::trim).sorted().toList()).as(table.name())
					.isEqualTo(primaryKey);
			}
		}
	}

	@Test
	void verifiedManifestCatchesAFileReplacedByAnotherValidOne() throws Exception {
		ArchiveSettings small = smallFiles("swap");
		try (Connection connection = postgres.connection()) {
			ArchiveManifest exported = new PartitionExporter(s3, small).export(connection, ArchiveTable.HEALTH_READING,
					JANUARY, null);
			ArchiveManifest manifest = exported.verified(new ArchiveVerifier(s3).verify(connection, exported),
					Instant.now());
			String first = manifest.files().get(0).key();
			String second = manifest.files().get(1).key();
			s3.copyObject((request) -> request.sourceBucket(BUCKET)
				.sourceKey(second)
				.destinationBucket(BUCKET)
				.destinationKey(first));
			List<String> problems = new ArchiveVerifier(s3).verify(connection, manifest).problems();
			assertThat(problems)
				.anySatisfy((problem) -> assertThat(problem).startsWith("Object s3://archive/" + first + " holds ")
					.endsWith(", checksum " + manifest.files().get(0).checksum()));
			assertThat(problems).anySatisfy((problem) -> assertThat(problem).startsWith("Objects in "));
		}
	}

	@Test
	void verificationReportsForeignObjectAndTamperedSource() throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("tamper").build();
		try (Connection connection = postgres.connection()) {
			connection.setAutoCommit(false);
			ArchiveManifest exported = new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
					JANUARY, null);
			ArchiveManifest manifest = exported.verified(new ArchiveVerifier(s3).verify(connection, exported),
					Instant.now());
			s3.putObject((request) -> request.bucket(BUCKET).key("tamper/health_score/month=2025-01/extra.parquet"),
					RequestBody.fromBytes(new byte[0]));
			try (Statement statement = connection.createStatement()) {
				statement.execute("UPDATE health_score_2025_01 SET computed_at = computed_at + interval '1 microsecond'"
						+ " WHERE user_id = 1 AND score_date = '2025-01-01'");
			}
			List<String> problems = new ArchiveVerifier(s3).verify(connection, manifest).problems();
			connection.rollback();
			assertThat(problems).anySatisfy((problem) -> assertThat(problem).isEqualTo(
					"Unexpected object not in manifest: s3://archive/tamper/health_score/month=2025-01/extra.parquet"));
			assertThat(problems).anySatisfy((problem) -> assertThat(problem)
				.startsWith("Cannot read object s3://archive/tamper/health_score/month=2025-01/extra.parquet"));
			assertThat(problems)
				.anySatisfy((problem) -> assertThat(problem).startsWith("Manifest differs from source"));
			assertThat(problems).anySatisfy((problem) -> assertThat(problem)
				.startsWith("Objects in s3://archive/tamper/health_score/month=2025-01/ differ from source"));
		}
		finally {
			s3.deleteObject((request) -> request.bucket(BUCKET).key("tamper/health_score/month=2025-01/extra.parquet"));
		}
	}

	static Stream<Arguments> outages() {
		return Stream.of(Arguments.of("network", SdkClientException.create("Injected failure: connection refused")),
				Arguments.of("server", s3Error(500, "InternalError")),
				Arguments.of("throttled", s3Error(503, "SlowDown")),
				Arguments.of("denied", s3Error(403, "AccessDenied")));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("outages")
	void anS3OutageWhileReadingBackFailsTheVerificationInsteadOfReportingADifference(String prefix,
			RuntimeException outage) throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("outage-" + prefix).build();
		S3Client wrapped = mock(S3Client.class, delegatesTo(s3));
		doThrow(outage).when(wrapped).getObject(any(GetObjectRequest.class));
		try (Connection connection = postgres.connection()) {
			ArchiveManifest manifest = new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
					JANUARY, null);
			assertThatExceptionOfType(ArchiveStorageUnavailableException.class)
				.isThrownBy(() -> new ArchiveVerifier(wrapped).verify(connection, manifest))
				.withMessageStartingWith("Cannot read back s3://archive/outage-" + prefix
						+ "/health_score/month=2025-01/part-00000.parquet: ")
				.withMessageContaining("Injected failure")
				.withRootCauseInstanceOf(outage.getClass());
			// the source checksum is done, the connection free again
			assertThat(count(connection, "health_score_2025_01")).isEqualTo(manifest.rows());
			assertThat(new ArchiveVerifier(s3).verify(connection, manifest).problems()).isEmpty();
		}
	}

	@Test
	void aResponseThatKeepsBreakingIsAnOutageNotADifference() throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("breaking").build();
		S3Client wrapped = mock(S3Client.class, delegatesTo(s3));
		doAnswer((invocation) -> {
			ResponseInputStream<GetObjectResponse> response = s3
				.getObject(invocation.getArgument(0, GetObjectRequest.class));
			InputStream breaking = new InputStream() {

				@Override
				public int read() throws IOException {
					throw new SocketException("Injected failure: connection reset");
				}

				@Override
				public int read(byte[] bytes, int offset, int length) throws IOException {
					return read();
				}

			};
			return new ResponseInputStream<>(response.response(), AbortableInputStream.create(breaking, response));
		}).when(wrapped).getObject(any(GetObjectRequest.class));
		try (Connection connection = postgres.connection()) {
			ArchiveManifest manifest = new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
					JANUARY, null);
			assertThatExceptionOfType(ArchiveStorageUnavailableException.class)
				.isThrownBy(() -> new ArchiveVerifier(wrapped).verify(connection, manifest))
				.withMessageStartingWith(
						"Cannot read back s3://archive/breaking/health_score/month=2025-01/part-00000.parquet: ")
				.withMessageContaining("(attempt 3): Injected failure: connection reset");
		}
	}

	@Test
	void anObjectGoneWhileReadingBackIsADifferenceNotAnOutage() throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("gone").build();
		S3Client wrapped = mock(S3Client.class, delegatesTo(s3));
		doThrow(NoSuchKeyException.builder()
			.statusCode(404)
			.awsErrorDetails(AwsErrorDetails.builder().errorCode("NoSuchKey").build())
			.message("Injected failure: the specified key does not exist")
			.build()).when(wrapped).getObject(any(GetObjectRequest.class));
		try (Connection connection = postgres.connection()) {
			ArchiveManifest manifest = new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
					JANUARY, null);
			assertThat(new ArchiveVerifier(wrapped).verify(connection, manifest).problems())
				.anySatisfy((problem) -> assertThat(problem)
					.startsWith("Cannot read object s3://archive/gone/health_score/month=2025-01/part-00000.parquet: "))
				.anySatisfy((problem) -> assertThat(problem).startsWith("Objects in "));
		}
	}

	@Test
	void anObjectOverwrittenWhileReadingBackIsADifferenceNotAnOutage() throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("overwritten").build();
		String key = "overwritten/health_score/month=2025-01/part-00000.parquet";
		// the real client, which lets another run overwrite the object after the first
		// range, the footer's, was read
		S3Client wrapped = mock(S3Client.class, delegatesTo(s3));
		List<String> ifMatches = new ArrayList<>();
		doAnswer((invocation) -> {
			GetObjectRequest request = invocation.getArgument(0, GetObjectRequest.class);
			ifMatches.add(request.ifMatch());
			if (ifMatches.size() == 2) {
				byte[] bytes = s3.getObjectAsBytes((get) -> get.bucket(BUCKET).key(key)).asByteArray();
				bytes[bytes.length / 2] ^= (byte) 0xff;
				s3.putObject((put) -> put.bucket(BUCKET).key(key), RequestBody.fromBytes(bytes));
			}
			return s3.getObject(request);
		}).when(wrapped).getObject(any(GetObjectRequest.class));
		try (Connection connection = postgres.connection()) {
			ArchiveManifest manifest = new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
					JANUARY, null);
			ArchiveVerification verification = new ArchiveVerifier(wrapped).verify(connection, manifest);
			assertThat(verification.matches()).isFalse();
			assertThat(verification.problems())
				.anySatisfy((problem) -> assertThat(problem)
					.startsWith("Cannot read object s3://archive/" + key + ": Cannot read s3://archive/" + key
							+ " from byte ")
					.contains(": the object changed while it was being read, it no longer has ETag \""))
				.anySatisfy((problem) -> assertThat(problem).startsWith("Objects in "));
			assertThat(ifMatches).hasSize(2).first().isNull();
			assertThat(ifMatches.get(1)).isNotNull();
		}
	}

	@Test
	void anS3FailureStaysTheErrorWhenTheSourceChecksumFailsToo() throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("both").build();
		S3Client wrapped = mock(S3Client.class, delegatesTo(s3));
		doThrow(SdkClientException.create("Injected failure: connection refused")).when(wrapped)
			.listObjectsV2Paginator(ArgumentMatchers.<Consumer<ListObjectsV2Request.Builder>>any());
		try (Connection connection = postgres.connection()) {
			ArchiveManifest exported = new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
					JANUARY, null);
			// a source that is gone: its checksum fails too
			ArchiveManifest manifest = new ArchiveManifest(exported.formatVersion(), exported.table(), exported.month(),
					"no_such_partition", exported.jobExecutionId(), exported.createdAt(), exported.verifiedAt(),
					exported.location(), exported.compression(), exported.schema(), exported.rows(),
					exported.checksum(), exported.bytes(), exported.files());
			assertThatExceptionOfType(ArchiveStorageUnavailableException.class)
				.isThrownBy(() -> new ArchiveVerifier(wrapped).verify(connection, manifest))
				.withMessageStartingWith("Cannot list s3://archive/both/health_score/month=2025-01/: ")
				.withRootCauseInstanceOf(SdkClientException.class)
				.satisfies((ex) -> assertThat(ex.getSuppressed()).singleElement()
					.isInstanceOf(SQLException.class)
					.satisfies((suppressed) -> assertThat(suppressed).hasMessageContaining("no_such_partition")));
		}
	}

	private static S3Exception s3Error(int status, String code) {
		return (S3Exception) S3Exception.builder()
			.statusCode(status)
			.awsErrorDetails(
					AwsErrorDetails.builder().errorCode(code).errorMessage("Injected failure: " + code).build())
			.message("Injected failure: " + code)
			.build();
	}

	@Test
	void encryptionSettingReachesDataFilesAndManifest() throws Exception {
		S3Client wrapped = mock(S3Client.class, delegatesTo(s3));
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET)
			.prefix("sse")
			.encryption(ServerSideEncryption.kms("alias/healthscore-archive"))
			.build();
		try (Connection connection = postgres.connection()) {
			new PartitionExporter(wrapped, settings).export(connection, ArchiveTable.HEALTH_SCORE, JANUARY, null);
		}
		ArgumentCaptor<PutObjectRequest> requests = ArgumentCaptor.forClass(PutObjectRequest.class);
		verify(wrapped, times(2)).putObject(requests.capture(), any(RequestBody.class));
		assertThat(requests.getAllValues()).extracting(PutObjectRequest::key)
			.containsExactly("sse/health_score/month=2025-01/part-00000.parquet",
					"sse/health_score/month=2025-01/_manifest.json");
		assertThat(requests.getAllValues()).allSatisfy((request) -> {
			assertThat(request.serverSideEncryptionAsString()).isEqualTo("aws:kms");
			assertThat(request.ssekmsKeyId()).isEqualTo("alias/healthscore-archive");
		});
	}

	@Test
	void failedUploadStopsExportBeforeManifestAndFreesConnection() throws Exception {
		S3Client wrapped = mock(S3Client.class, delegatesTo(s3));
		doThrow(SdkClientException.create("injected failure")).when(wrapped)
			.putObject(argThat((PutObjectRequest request) -> request.key().endsWith("part-00001.parquet")),
					any(RequestBody.class));
		ArchiveSettings settings = smallFiles("fail");
		try (Connection connection = postgres.connection()) {
			assertThatIOException()
				.isThrownBy(() -> new PartitionExporter(wrapped, settings).export(connection,
						ArchiveTable.HEALTH_READING, JANUARY, null))
				.withMessage(
						"Cannot complete upload of s3://archive/fail/health_reading/month=2025-01/part-00001.parquet");
			assertThat(count(connection, "health_reading_2025_01")).isEqualTo(200 * 5 * 200 + 10);
		}
		assertThat(new ArchiveManifests(s3, settings.layout()).read(ArchiveTable.HEALTH_READING, JANUARY)).isNull();
		assertThat(s3.listMultipartUploads((request) -> request.bucket(BUCKET)).uploads()).isEmpty();
	}

	@Test
	void uploadsLeftUnfinishedInTheMonthsFolderAreAbortedWhenItIsExportedAgain() throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("unfinished").build();
		String folder = "unfinished/health_score/month=2025-01/";
		// what an export killed mid-upload leaves: an upload with a part, one without
		String withPart = startUpload(folder + "part-00000.parquet");
		s3.uploadPart(
				(request) -> request.bucket(BUCKET).key(folder + "part-00000.parquet").uploadId(withPart).partNumber(1),
				RequestBody.fromBytes(new byte[5 * 1024 * 1024]));
		startUpload(folder + "part-00007.parquet");
		// not the month's data files: left alone
		startUpload("unfinished/health_score/month=2025-02/part-00000.parquet");
		startUpload(folder + "notes.txt");
		startUpload(folder + "nested/part-00000.parquet");
		try (Connection connection = postgres.connection()) {
			ArchiveManifest manifest = new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
					JANUARY, null);
			assertThat(new ArchiveVerifier(s3).verify(connection, manifest).problems()).isEmpty();
		}
		assertThat(s3.listMultipartUploads((request) -> request.bucket(BUCKET).prefix("unfinished/"))
			.uploads()
			.stream()
			.map(MultipartUpload::key))
			.containsExactlyInAnyOrder("unfinished/health_score/month=2025-02/part-00000.parquet", folder + "notes.txt",
					folder + "nested/part-00000.parquet");
		abortUploads("unfinished/");
	}

	@Test
	void aBucketThatRefusesToListUploadsDoesNotStopTheExport() throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("unlisted").build();
		String key = "unlisted/health_score/month=2025-01/part-00003.parquet";
		startUpload(key);
		S3Client refusing = failingUploadListing(S3Exception.builder()
			.statusCode(403)
			.message("Access Denied")
			.awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").errorMessage("Access Denied").build())
			.build());
		try (Connection connection = postgres.connection()) {
			ArchiveManifest manifest = new PartitionExporter(refusing, settings).export(connection,
					ArchiveTable.HEALTH_SCORE, JANUARY, null);
			assertThat(manifest.rows()).isEqualTo(200 * 31 + 3);
			assertThat(new ArchiveVerifier(s3).verify(connection, manifest).problems()).isEmpty();
		}
		assertThat(s3.listMultipartUploads((request) -> request.bucket(BUCKET).prefix("unlisted/"))
			.uploads()
			.stream()
			.map(MultipartUpload::key)).containsExactly(key);
		abortUploads("unlisted/");
	}

	@Test
	void aListingOfUploadsAnsweredWithoutAnErrorCodeOnlyWarns() throws Exception {
		// an endpoint that is not S3 (a proxy's bare 404) answers without an error code
		ArchiveSettings settings = ArchiveSettings.builder(BUCKET).prefix("uncoded").build();
		S3Client bare = failingUploadListing(S3Exception.builder()
			.statusCode(404)
			.awsErrorDetails(AwsErrorDetails.builder().serviceName("S3").build())
			.build());
		try (Connection connection = postgres.connection()) {
			ArchiveManifest manifest = new PartitionExporter(bare, settings).export(connection,
					ArchiveTable.HEALTH_SCORE, JANUARY, null);
			assertThat(manifest.rows()).isEqualTo(200 * 31 + 3);
		}
	}

	@Test
	void anExportToABucketThatDoesNotExistFailsBeforeReadingTheMonthNotWithAWarningAboutLifecycleRules()
			throws Exception {
		ArchiveSettings settings = ArchiveSettings.builder("no-such-bucket").prefix("missing").build();
		try (Connection connection = postgres.connection()) {
			assertThatExceptionOfType(NoSuchBucketException.class)
				.isThrownBy(() -> new PartitionExporter(s3, settings).export(connection, ArchiveTable.HEALTH_SCORE,
						JANUARY, null))
				.withMessageStartingWith(
						"S3 ListMultipartUploads s3://no-such-bucket/missing/health_score/month=2025-01/ at ");
		}
	}

	private static String startUpload(String key) {
		return s3.createMultipartUpload((request) -> request.bucket(BUCKET).key(key)).uploadId();
	}

	/** Leaves no upload behind for the tests that check the whole bucket has none. */
	private static void abortUploads(String prefix) {
		s3.listMultipartUploads((request) -> request.bucket(BUCKET).prefix(prefix))
			.uploads()
			.forEach((upload) -> s3.abortMultipartUpload(
					(request) -> request.bucket(BUCKET).key(upload.key()).uploadId(upload.uploadId())));
	}

	/** Files of at most 512 KiB, so that a test month splits into several. */
	private static ArchiveSettings smallFiles(String prefix) {
		return ArchiveSettings.builder(BUCKET)
			.prefix(prefix)
			.targetFileSize(512 * 1024)
			.rowGroupSize(256 * 1024)
			.build();
	}

	private static void assertRestoredExactly(Connection connection, ArchiveManifest manifest, String original,
			String exactColumns) throws Exception {
		String restored = "restored_" + original;
		try (Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE " + restored + " (LIKE " + original + ")");
		}
		ArchiveVerification verification = new PartitionRestorer(s3).restore(connection, manifest, restored);
		assertThat(verification.problems()).isEmpty();
		assertThat(count(connection, restored)).isEqualTo(manifest.rows());
		assertThat(differences(connection, original, restored, exactColumns)).isZero();
	}

	/**
	 * Counts rows that are in one table and not the other, duplicates included, comparing
	 * timestamps to the microsecond and floating point values by their bits.
	 */
	private static long differences(Connection connection, String left, String right, String exactColumns)
			throws SQLException {
		String sql = "SELECT count(*) FROM ((SELECT " + exactColumns + " FROM " + left + " EXCEPT ALL SELECT "
				+ exactColumns + " FROM " + right + ") UNION ALL (SELECT " + exactColumns + " FROM " + right
				+ " EXCEPT ALL SELECT " + exactColumns + " FROM " + left + ")) d";
		try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
			result.next();
			return result.getLong(1);
		}
	}

	private static String setting(Statement statement, String name) throws SQLException {
		try (ResultSet result = statement.executeQuery("SELECT current_setting('" + name + "')")) {
			result.next();
			return result.getString(1);
		}
	}

	private static long count(Connection connection, String table) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT count(*) FROM " + table)) {
			result.next();
			return result.getLong(1);
		}
	}

	/**
	 * The test's S3 client, but its listing of unfinished uploads fails with
	 * {@code failure}.
	 */
	private static S3Client failingUploadListing(AwsServiceException failure) {
		S3Client failing = mock(S3Client.class, delegatesTo(s3));
		doThrow(failure).when(failing)
			.listMultipartUploadsPaginator(ArgumentMatchers.<Consumer<ListMultipartUploadsRequest.Builder>>any());
		return failing;
	}

}
