package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.io.s3.S3InputStream;
import dev.healthscore.io.s3.S3Location;
import dev.healthscore.jobs.HealthScoreApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The archive's S3 client against an endpoint that accepts connections and never answers:
 * each call ends within its configured timeouts (the SDK's defaults alone hold a call for
 * 30 seconds an attempt, or for ever while an upload's body is not read), and says which
 * setting bounded it.
 */
@ExtendWith(OutputCaptureExtension.class)
class ArchiveS3TimeoutsIntegrationTests {

	// generous for a loaded machine, and far below what the SDK's defaults take (two
	// minutes for a call of four attempts that time out reading)
	private static final Duration LATE = Duration.ofSeconds(15);

	private static EmbeddedS3Server server;

	@BeforeAll
	static void start() {
		server = EmbeddedS3Server.inMemory();
		server.createBucket("answers");
		// the SDK's default credentials chain reads these; the hung endpoints take any
		System.setProperty("aws.accessKeyId", server.accessKey());
		System.setProperty("aws.secretAccessKey", server.secretKey());
	}

	@AfterAll
	static void stop() {
		System.clearProperty("aws.accessKeyId");
		System.clearProperty("aws.secretAccessKey");
		server.close();
	}

	@Test
	void anArchiveAgainstAnEndpointThatNeverAnswersFailsAfterTheReadTimeoutOfEachAttemptAndNamesIt(
			CapturedOutput output) throws Exception {
		try (HungS3Endpoint hung = HungS3Endpoint.readingRequests()) {
			long started = System.nanoTime();
			assertThat(HealthScoreApplication.run("run", "archive", "--healthscore.archive.endpoint=" + hung.endpoint(),
					"--healthscore.archive.bucket=hung", "--healthscore.archive.region=us-east-1",
					"--healthscore.archive.read-timeout=500ms", "--healthscore.archive.max-attempts=2"))
				.isEqualTo(1);
			Duration run = Duration.ofNanos(System.nanoTime() - started);
			assertThat(hung.connections()).as("one connection an attempt").isEqualTo(2);
			// two attempts of 500ms each, and the SDK's pause between them
			assertThat(hung.waited()).isGreaterThanOrEqualTo(Duration.ofSeconds(1)).isLessThan(LATE);
			assertThat(output.getOut())
				.contains("S3 ListMultipartUploads s3://hung/app_user/ at " + hung.endpoint()
						+ " failed: Unable to execute HTTP request: Read timed out")
				.contains("no answer within healthscore.archive.read-timeout=500ms,"
						+ " in each of healthscore.archive.max-attempts=2 attempts");
			assertThat(run).as("the whole run, the embedded database's start and stop included")
				.isLessThan(LATE.multipliedBy(4));
		}
	}

	@Test
	void aCallEndsAtTheCallTimeoutHoweverLongItsAttemptsMayWait() throws Exception {
		try (HungS3Endpoint hung = HungS3Endpoint.readingRequests();
				S3Client s3 = client(hung, Map.of("read-timeout", "1m", "api-call-timeout", "1500ms"))) {
			long started = System.nanoTime();
			assertThatExceptionOfType(ApiCallTimeoutException.class)
				.isThrownBy(() -> s3.headObject((request) -> request.bucket("hung").key("some/key")))
				.withMessageStartingWith("S3 HeadObject s3://hung/some/key at " + hung.endpoint() + " failed: ")
				.withMessageContaining(
						"; not done within healthscore.archive.api-call-timeout=1500ms," + " all attempts included");
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1500))
				.isLessThan(LATE);
		}
	}

	@Test
	void anUploadWhoseBodyTheEndpointNeverReadsEndsAtTheAttemptTimeout() throws Exception {
		// more than the loopback socket's buffers take: the client's writes block, which
		// no socket timeout ends
		byte[] part = new byte[32 * 1024 * 1024];
		try (HungS3Endpoint hung = HungS3Endpoint.readingNothing();
				S3Client s3 = client(hung,
						Map.of("read-timeout", "1m", "api-call-attempt-timeout", "1s", "max-attempts", "2"))) {
			long started = System.nanoTime();
			assertThatExceptionOfType(ApiCallAttemptTimeoutException.class)
				.isThrownBy(
						() -> s3.putObject((request) -> request.bucket("hung").key("month=2025-01/part-00000.parquet"),
								RequestBody.fromBytes(part)))
				.withMessageStartingWith(
						"S3 PutObject s3://hung/month=2025-01/part-00000.parquet at " + hung.endpoint() + " failed: ")
				.withMessageContaining("; not done within healthscore.archive.api-call-attempt-timeout=1s,"
						+ " in each of healthscore.archive.max-attempts=2 attempts");
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(2))
				.isLessThan(LATE);
			assertThat(hung.connections()).isEqualTo(2);
		}
	}

	@Test
	void theBodyOfAStreamedObjectIsReadAfterItsCallReturnedBeyondTheCallTimeouts() throws Exception {
		byte[] file = new byte[4 * 1024 * 1024];
		new Random(7).nextBytes(file);
		try (S3Client owner = server.newClient()) {
			owner.putObject((request) -> request.bucket("answers").key("part-00000.parquet"),
					RequestBody.fromBytes(file));
		}
		try (S3Client s3 = client(server.endpoint(), "answers",
				Map.of("api-call-timeout", "1s", "api-call-attempt-timeout", "1s"));
				S3InputStream in = new S3InputStream(s3, new S3Location("answers", "part-00000.parquet"),
						file.length)) {
			byte[] first = in.readNBytes(1000);
			// a reader that takes its time, as a verification on a slow link does
			Thread.sleep(1500);
			byte[] rest = in.readAllBytes();
			assertThat(first.length + rest.length).isEqualTo(file.length);
			assertThat(Arrays.copyOfRange(file, 1000, file.length)).isEqualTo(rest);
		}
	}

	@Test
	void aConnectionTheEndpointNeverTakesEndsAtTheConnectTimeout() throws Exception {
		List<Socket> queued = new ArrayList<>();
		try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			// connections it never accepts fill its backlog: the kernel drops the SYNs
			// of the next ones, whose connect waits until it times out
			URI endpoint = URI.create("http://127.0.0.1:" + full.getLocalPort());
			while (queued.size() < 10 && connects(full, queued)) {
			}
			assertThat(queued).as("connections until the backlog is full").hasSizeLessThan(10);
			try (S3Client s3 = client(endpoint, Map.of("connect-timeout", "250ms", "max-attempts", "1"))) {
				assertThatExceptionOfType(SdkClientException.class)
					.isThrownBy(() -> s3.headObject((request) -> request.bucket("hung").key("some/key")))
					.withMessageStartingWith("S3 HeadObject s3://hung/some/key at " + endpoint
							+ " failed: Unable to execute HTTP request: Connect to")
					.withMessageContaining("; no connection within healthscore.archive.connect-timeout=250ms");
				// timed once the client's first call has loaded and set up what it needs:
				// the SDK's default, 2s, would take longer than that
				long started = System.nanoTime();
				assertThatExceptionOfType(SdkClientException.class)
					.isThrownBy(() -> s3.headObject((request) -> request.bucket("hung").key("some/key")));
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(250))
					.isLessThan(Duration.ofSeconds(2));
			}
		}
		finally {
			for (Socket socket : queued) {
				socket.close();
			}
		}
	}

	private static boolean connects(ServerSocket server, List<Socket> queued) throws IOException {
		Socket socket = new Socket();
		try {
			socket.connect(server.getLocalSocketAddress(), 300);
			queued.add(socket);
			return true;
		}
		catch (SocketTimeoutException ex) {
			socket.close();
			return false;
		}
	}

	/** The archive's client, as the jobs build it, with these settings. */
	private static S3Client client(HungS3Endpoint hung, Map<String, String> settings) {
		return client(hung.endpoint(), settings);
	}

	/** The archive's client, as the jobs build it, with these settings. */
	private static S3Client client(URI endpoint, Map<String, String> settings) {
		return client(endpoint, "hung", settings);
	}

	/** The archive's client of a bucket, as the jobs build it, with these settings. */
	private static S3Client client(URI endpoint, String bucket, Map<String, String> settings) {
		Map<String, String> all = new HashMap<>();
		settings.forEach((name, value) -> all.put("healthscore.archive." + name, value));
		all.put("healthscore.archive.endpoint", endpoint.toString());
		all.put("healthscore.archive.bucket", bucket);
		all.put("healthscore.archive.region", "us-east-1");
		ArchiveProperties properties = new Binder(new MapConfigurationPropertySource(all))
			.bindOrCreate("healthscore.archive", ArchiveProperties.class);
		return new ArchiveStorageConfiguration().archiveS3Client(properties);
	}

}
