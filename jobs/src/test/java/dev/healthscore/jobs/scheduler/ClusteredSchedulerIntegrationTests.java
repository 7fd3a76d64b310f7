package dev.healthscore.jobs.scheduler;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.jobs.AppProcess;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two scheduler processes on one database, the nightly chain firing every minute (the
 * catalogue's crons have whole minutes, as EventBridge does): every firing runs once, on
 * one of them; each answers its health check; SIGTERM ends both.
 */
class ClusteredSchedulerIntegrationTests {

	private static final Pattern HEALTH_PORT = Pattern.compile("health on port (\\d+)");

	private static final Pattern INSTANCE = Pattern.compile("\"instance\":\"([^\"]+)\"");

	private static TemporaryPostgres postgres;

	private static HikariDataSource dataSource;

	private static JdbcTemplate jdbc;

	@BeforeAll
	static void generate() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(url());
		dataSource.setUsername("postgres");
		jdbc = new JdbcTemplate(dataSource);
		assertThat(HealthScoreApplication.run("generate", "--users=20", "--days=4", "--spring.datasource.url=" + url(),
				"--spring.datasource.username=postgres"))
			.isZero();
	}

	@AfterAll
	static void stop() throws IOException {
		dataSource.close();
		postgres.close();
	}

	@Test
	void twoSchedulersRunEveryFiringOnceAndAnswerTheirHealthChecks(@TempDir Path dir) throws Exception {
		List<Path> logs = List.of(dir.resolve("a.log"), dir.resolve("b.log"));
		List<Process> nodes = List.of(start(logs.get(0)), start(logs.get(1)));
		try {
			// the first firing waits for both starts and the next whole minute
			await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).until(() -> firings() >= 1);
			await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> firings() >= 2);
			List<String> asOf = jdbc.queryForList("""
					SELECT p.parameter_value FROM batch_job_execution_params p
					JOIN batch_job_execution e ON e.job_execution_id = p.job_execution_id
					JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
					WHERE i.job_name = 'recompute' AND p.parameter_name = 'as-of'""", String.class);
			assertThat(asOf).hasSizeGreaterThanOrEqualTo(2).doesNotHaveDuplicates();
			assertThat(asOf).allSatisfy((instant) -> assertThat(instant).endsWith(":00Z"));
			List<String> instances = new ArrayList<>();
			for (int i = 0; i < nodes.size(); i++) {
				HttpResponse<String> health = health(logs.get(i));
				assertThat(health.statusCode()).isEqualTo(200);
				assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"database\":\"up\"");
				Matcher instance = INSTANCE.matcher(health.body());
				assertThat(instance.find()).as(health.body()).isTrue();
				// Quartz's own AUTO id (host and millisecond) let two nodes share one id
				assertThat(instance.group(1)).contains("-" + nodes.get(i).pid() + "-");
				instances.add(instance.group(1));
			}
			// both check in; a node stalled past the check-in interval is briefly taken
			// for dead
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(
						jdbc.queryForList("SELECT instance_name FROM qrtz_scheduler_state", String.class))
					.containsExactlyInAnyOrderElementsOf(instances));
		}
		catch (AssertionError | RuntimeException ex) {
			for (int i = 0; i < nodes.size(); i++) {
				Path log = logs.get(i);
				ex.addSuppressed(new AssertionError("output of the node that wrote " + log.getFileName() + ":\n"
						+ (Files.exists(log) ? Files.readString(log) : "(none)")));
				// where a node that never started, or stalled, is stuck
				ex.addSuppressed(new AssertionError("threads of the node that wrote " + log.getFileName() + ":\n"
						+ threadDump(nodes.get(i), dir.resolve("threads-" + i + ".txt"))));
			}
			throw ex;
		}
		finally {
			for (Process node : nodes) {
				node.destroy();
			}
			for (Process node : nodes) {
				assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
			}
		}
		try {
			assertThat(nodes).allSatisfy((node) -> assertThat(node.exitValue()).isZero());
		}
		catch (AssertionError ex) {
			for (Path log : logs) {
				ex.addSuppressed(new AssertionError("output of the node that wrote " + log.getFileName() + ":\n"
						+ (Files.exists(log) ? Files.readString(log) : "(none)")));
			}
			throw ex;
		}
	}

	/** The node's threads, printed by {@code jcmd}, or why not. */
	private static String threadDump(Process node, Path out) {
		if (!node.isAlive()) {
			return "(exited with " + node.exitValue() + ")";
		}
		try {
			Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
					String.valueOf(node.pid()), "Thread.print")
				.redirectErrorStream(true)
				.redirectOutput(out.toFile())
				.start();
			if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
				jcmd.destroyForcibly();
			}
			return Files.readString(out);
		}
		catch (IOException | InterruptedException ex) {
			return "(no thread dump: " + ex + ")";
		}
	}

	private static long firings() {
		return jdbc.queryForObject("""
				SELECT count(*) FROM batch_job_instance WHERE job_name = 'recompute'""", Long.class);
	}

	private static HttpResponse<String> health(Path log) throws Exception {
		Matcher matcher = HEALTH_PORT.matcher(Files.readString(log));
		assertThat(matcher.find()).as("health port in %s", log).isTrue();
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + matcher.group(1) + "/health"))
			.build();
		return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
	}

	private static Process start(Path log) throws IOException {
		return AppProcess.start(log, List.of(),
				List.of("scheduler", "--spring.datasource.url=" + url(), "--spring.datasource.username=postgres",
						"--healthscore.scheduler.health-port=0",
						// an archive's storage, which the scheduler checks at start (the
						// monthly archive does not fire during the test)
						"--healthscore.archive.bucket=archive", "--healthscore.archive.region=us-east-1",
						"--healthscore.scheduler.cron-overrides.nightly=0 * * * * ?"));
	}

	private static String url() {
		return postgres.getJdbcUrl("postgres", "postgres");
	}

}
