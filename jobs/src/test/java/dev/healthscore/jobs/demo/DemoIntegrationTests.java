package dev.healthscore.jobs.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;

import dev.healthscore.io.embedded.PostgresTemplate;
import dev.healthscore.jobs.HealthScoreApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo on the embedded default: its own PostgreSQL and in-process S3 server, started
 * because nothing is configured.
 */
@ExtendWith(OutputCaptureExtension.class)
class DemoIntegrationTests {

	@Test
	void theDemoEndsByArchivingItsOldestCompleteMonthAndQueryingIt(CapturedOutput output) {
		Clock clock = Clock.fixed(Instant.parse("2026-03-15T08:00:00Z"), ZoneOffset.UTC);
		assertThat(HealthScoreApplication.run(Map.of("clock", clock), "demo", "--users=15", "--days=45")).isZero();
		assertThat(output.getOut()).contains("Embedded S3 server")
			.contains(
					"archive:          run archive --before=2026-03 --allow-recent: the data (2026-01-29..2026-03-14)")
			.contains("its oldest complete month 2026-02")
			.contains("COMPLETED in")
			.containsPattern("health_reading  2026-02: +[0-9,]+ rows, 1 file\\(s\\), +[0-9.]+ MiB, DETACHED"
					+ " \\(dropped by a run after the 7d grace period\\)")
			.contains("Athena-style query over s3://healthscore-archive/health_reading/month=2026-02/")
			// it read '(DuckDB, ~70 MB, stays a test dependency)', as if DuckDB answered
			.contains("with the archive's own Parquet reader, not DuckDB (~70 MB, a test dependency only):")
			.containsPattern("steps +[0-9,]+ +15 ")
			// it printed a "total time" before the archive ran, leaving the archive out
			.containsPattern("(?s)time so far: +[0-9.]+ s \\(generate and recompute; the archive follows\\)"
					+ ".*Athena-style query.*demo total time: +[0-9.]+ s")
			.doesNotContain("total time:       ");
	}

	@Test
	void aDataSetWithNoMonthBeforeTheCurrentOneIsRefusedBeforeAnythingIsGenerated(CapturedOutput output) {
		// the demo archives its oldest month, and no run archives the current month or a
		// later one: it generated and recomputed, then failed with exit code 2 naming a
		// --before=2026-04 no one gave
		Clock clock = Clock.fixed(Instant.parse("2026-03-15T08:00:00Z"), ZoneOffset.UTC);
		assertThat(HealthScoreApplication.run(Map.of("clock", clock), "demo", "--users=3", "--days=3")).isEqualTo(2);
		assertThat(output.getErr()).contains("Cannot run the demo over 2026-03-12..2026-03-14: it ends by archiving"
				+ " the data set's oldest month, 2026-03, and only months before the current one (2026-03) are"
				+ " archived. Give more --days, or an earlier --end, so that the data starts before 2026-03; nothing"
				+ " was started");
		assertThat(output.getOut()).doesNotContain("Generated").doesNotContain("=== health-score demo ===");
	}

	@Test
	void aConfiguredDatabaseWithoutABucketIsRefusedBeforeAnythingIsGenerated(CapturedOutput output, @TempDir Path data)
			throws IOException, SQLException {
		// it generated and recomputed into the configured database, then its archive was
		// refused (exit code 2, "nothing was started") for the in-process S3 server
		try (EmbeddedPostgres postgres = PostgresTemplate
			.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"), data.resolve("pg"))) {
			String url = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
			assertThat(HealthScoreApplication.run("demo", "--users=3", "--days=35", "--spring.datasource.url=" + url,
					"--spring.datasource.username=postgres"))
				.isEqualTo(2);
			assertThat(output.getErr()).contains("Cannot use the in-process S3 server")
				.contains("set healthscore.archive.bucket");
			assertThat(output.getOut()).doesNotContain("=== health-score demo ===");
			try (Connection connection = postgres.getPostgresDatabase().getConnection();
					Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("SELECT count(*) FROM app_user")) {
				rows.next();
				assertThat(rows.getLong(1)).isZero();
			}
		}
	}

	@Test
	void anArchiveThatCannotReachS3SaysWhyInTheDemosSummary(CapturedOutput output) throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			closedPort = socket.getLocalPort();
		}
		String endpoint = "http://127.0.0.1:" + closedPort;
		System.setProperty("aws.accessKeyId", "demo");
		System.setProperty("aws.secretAccessKey", "demo");
		try {
			assertThat(HealthScoreApplication.run("demo", "--users=5", "--days=35",
					"--healthscore.archive.endpoint=" + endpoint, "--healthscore.archive.bucket=unreachable",
					"--healthscore.archive.region=us-east-1"))
				.isEqualTo(1);
		}
		finally {
			System.clearProperty("aws.accessKeyId");
			System.clearProperty("aws.secretAccessKey");
		}
		assertThat(output.getOut()).contains("FAILED in")
			.contains(
					"                  why: SdkClientException: S3 ListMultipartUploads s3://unreachable/app_user/ at "
							+ endpoint + " failed: Unable to execute HTTP request: Connect to " + endpoint + " failed");
	}

	@Test
	void theMonthToArchiveIsTheOldestCompleteOneOrElseTheFirst() {
		assertThat(DemoArchive.monthToArchive(LocalDate.parse("2026-01-29"), LocalDate.parse("2026-03-14")))
			.isEqualTo(YearMonth.of(2026, 2));
		assertThat(DemoArchive.monthToArchive(LocalDate.parse("2026-02-01"), LocalDate.parse("2026-03-14")))
			.isEqualTo(YearMonth.of(2026, 2));
		assertThat(DemoArchive.monthToArchive(LocalDate.parse("2026-07-02"), LocalDate.parse("2026-08-30")))
			.isEqualTo(YearMonth.of(2026, 7));
	}

}
