package dev.healthscore.io.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link EmbeddedS3Server}, {@link S3OutputStream} and {@link S3InputStream}
 * spoken to over HTTP by the AWS SDK.
 */
class EmbeddedS3ServerIntegrationTests {

	private static final String BUCKET = "archive-test";

	private static EmbeddedS3Server server;

	private static S3Client s3;

	@BeforeAll
	static void startServer() {
		server = EmbeddedS3Server.inMemory();
		server.createBucket(BUCKET);
		s3 = server.newClient();
	}

	@AfterAll
	static void stopServer() {
		try {
			s3.close();
		}
		finally {
			server.close();
			server.close();
		}
	}

	@Test
	void serverListensOnLoopbackWithGeneratedKeys() {
		assertThat(server.endpoint().getHost()).isEqualTo("127.0.0.1");
		assertThat(server.endpoint().getPort()).isPositive();
		assertThat(server.accessKey()).startsWith("embedded-");
		assertThat(server.secretKey()).hasSize(40);
	}

	@Test
	void smallObjectIsWrittenWithOnePut() throws IOException {
		S3Location location = new S3Location(BUCKET, "small/object.bin");
		try (S3OutputStream out = new S3OutputStream(s3, location, S3OutputStream.MIN_PART_SIZE,
				ServerSideEncryption.BUCKET_DEFAULT)) {
			out.write("hello".getBytes(StandardCharsets.UTF_8));
		}
		assertThat(s3.getObjectAsBytes((request) -> request.bucket(BUCKET).key(location.key())).asUtf8String())
			.isEqualTo("hello");
	}

	@Test
	void largeObjectIsWrittenInPartsAndReadBackWithSeeks() throws IOException {
		byte[] data = randomBytes(2 * S3OutputStream.MIN_PART_SIZE + 12345);
		S3Location location = new S3Location(BUCKET, "large/object.bin");
		S3OutputStream out = new S3OutputStream(s3, location, S3OutputStream.MIN_PART_SIZE,
				ServerSideEncryption.BUCKET_DEFAULT);
		try (out) {
			out.write(data, 0, 1000);
			out.write(data[1000]);
			out.write(data, 1001, data.length - 1001);
		}
		out.close();
		assertThat(out.position()).isEqualTo(data.length);
		assertThat(out.sha256()).hasSize(64);
		HeadObjectResponse head = s3.headObject((request) -> request.bucket(BUCKET).key(location.key()));
		assertThat(head.contentLength()).isEqualTo(data.length);
		assertThat(head.eTag()).contains("-3");
		try (S3InputStream in = new S3InputStream(s3, location, data.length)) {
			in.seek(data.length - 8);
			assertThat(in.readNBytes(8)).isEqualTo(slice(data, data.length - 8, 8));
			in.seek(17);
			assertThat(in.readNBytes(100)).isEqualTo(slice(data, 17, 100));
			in.seek(1000);
			assertThat(in.readNBytes(5000)).isEqualTo(slice(data, 1000, 5000));
			in.seek(data.length);
			assertThat(in.read()).isEqualTo(-1);
			assertThatIOException().isThrownBy(() -> in.seek(data.length + 1))
				.withMessageContaining("Cannot seek to " + (data.length + 1));
		}
	}

	@Test
	void responseBrokenWhileStreamingIsReadAgainFromWhereItStopped() throws IOException {
		readsOnAfterTheResponseBreaks("reset/object.bin", new SocketException("Connection reset"));
	}

	@Test
	void responseThatStallsPastTheReadTimeoutIsReadAgainFromWhereItStopped() throws IOException {
		// a SocketTimeoutException is an InterruptedIOException, but no interrupt
		readsOnAfterTheResponseBreaks("stalled/object.bin", new SocketTimeoutException("Read timed out"));
	}

	@Test
	void anInterruptWhileStreamingIsNotAskedForAgain() {
		assertThatExceptionOfType(S3InputStream.ResponseFailedException.class)
			.isThrownBy(() -> readsOnAfterTheResponseBreaks("interrupted/object.bin",
					new InterruptedIOException("interrupted")))
			.withMessageEndingWith("at byte 1048576 of 3145728 (attempt 1): interrupted");
	}

	private void readsOnAfterTheResponseBreaks(String key, IOException failure) throws IOException {
		byte[] data = randomBytes(3 * 1024 * 1024);
		S3Location location = new S3Location(BUCKET, key);
		s3.putObject((request) -> request.bucket(BUCKET).key(location.key()), RequestBody.fromBytes(data));
		// the SDK retries a GET that fails, not a response body that breaks midway
		S3Client flaky = mock(S3Client.class, delegatesTo(s3));
		List<String> ranges = new ArrayList<>();
		List<String> ifMatches = new ArrayList<>();
		doAnswer((invocation) -> {
			GetObjectRequest request = invocation.getArgument(0, GetObjectRequest.class);
			ranges.add(request.range());
			ifMatches.add(request.ifMatch());
			ResponseInputStream<GetObjectResponse> response = s3.getObject(request);
			if (ranges.size() > 1) {
				return response;
			}
			InputStream breaking = new FilterInputStream(response) {

				private long left = 1024 * 1024;

				@Override
				public int read(byte[] bytes, int offset, int length) throws IOException {
					if (this.left <= 0) {
						throw failure;
					}
					int n = super.read(bytes, offset, (int) Math.min(length, this.left));
					this.left -= Math.max(n, 0);
					return n;
				}

			};
			return new ResponseInputStream<>(response.response(), AbortableInputStream.create(breaking, response));
		}).when(flaky).getObject(any(GetObjectRequest.class));
		try (S3InputStream in = new S3InputStream(flaky, location, data.length)) {
			assertThat(in.readAllBytes()).isEqualTo(data);
		}
		assertThat(ranges).containsExactly("bytes=0-", "bytes=1048576-");
		// the range asked for again is of the same object
		assertThat(ifMatches).containsExactly(null, eTag(location));
	}

	@Test
	void objectOverwrittenBetweenTwoRangesIsAnErrorNotBytesOfTwoObjects() throws IOException {
		byte[] data = randomBytes(1024 * 1024);
		byte[] other = new byte[data.length];
		new Random(7).nextBytes(other);
		S3Location location = new S3Location(BUCKET, "overwritten/object.bin");
		s3.putObject((request) -> request.bucket(BUCKET).key(location.key()), RequestBody.fromBytes(data));
		String eTag = eTag(location);
		// the real client, its requests noted
		S3Client recording = mock(S3Client.class, delegatesTo(s3));
		List<GetObjectRequest> requests = new ArrayList<>();
		doAnswer((invocation) -> {
			GetObjectRequest request = invocation.getArgument(0, GetObjectRequest.class);
			requests.add(request);
			return s3.getObject(request);
		}).when(recording).getObject(any(GetObjectRequest.class));
		int far = data.length - 1000;
		try (S3InputStream in = new S3InputStream(recording, location, data.length)) {
			assertThat(in.readNBytes(1000)).isEqualTo(slice(data, 0, 1000));
			// far enough for a new range, as Parquet seeks from its footer to a row group
			in.seek(far);
			// another run writes the same key: other bytes, the same length
			s3.putObject((request) -> request.bucket(BUCKET).key(location.key()), RequestBody.fromBytes(other));
			assertThat(eTag(location)).isNotEqualTo(eTag);
			assertThatExceptionOfType(S3InputStream.ObjectChangedException.class).isThrownBy(() -> in.readNBytes(1000))
				.withMessage("Cannot read s3://archive-test/overwritten/object.bin from byte " + far
						+ ": the object changed while it was being read, it no longer has ETag " + eTag
						+ " of the bytes read before")
				.havingCause()
				.isInstanceOfSatisfying(S3Exception.class,
						(refused) -> assertThat(refused.statusCode()).isEqualTo(412));
		}
		// S3 refused the second range itself, and it was not asked for again
		assertThat(requests).extracting(GetObjectRequest::range).containsExactly("bytes=0-", "bytes=" + far + "-");
		assertThat(requests).extracting(GetObjectRequest::ifMatch).containsExactly(null, eTag);
	}

	@Test
	void objectOfAnotherLengthThanExpectedIsAnErrorNotAPrefix() throws IOException {
		byte[] data = randomBytes(1000);
		S3Location location = new S3Location(BUCKET, "longer/object.bin");
		s3.putObject((request) -> request.bucket(BUCKET).key(location.key()), RequestBody.fromBytes(data));
		// listed (or described in a manifest) with fewer bytes than it now has
		try (S3InputStream in = new S3InputStream(s3, location, 900)) {
			assertThatExceptionOfType(S3InputStream.ObjectChangedException.class).isThrownBy(in::readAllBytes)
				.withMessage("Cannot read s3://archive-test/longer/object.bin from byte 0: the object has 1000 bytes,"
						+ " not the 900 expected, it is not the object that was listed or described");
		}
	}

	@Test
	void aFailedRequestNamesItsOperationObjectAndEndpointAndWhatS3AnsweredAndKeepsItsType() throws IOException {
		String endpoint = server.endpoint().toString();
		assertThatExceptionOfType(NoSuchKeyException.class)
			.isThrownBy(() -> s3.getObjectAsBytes((request) -> request.bucket(BUCKET).key("missing/object.bin")))
			.withMessageStartingWith(
					"S3 GetObject s3://archive-test/missing/object.bin at " + endpoint + " failed: NoSuchKey: ")
			.satisfies((ex) -> assertThat(ex.statusCode()).isEqualTo(404));
		try (S3Client wrongSecret = S3Clients.forEndpoint(server.endpoint(), server.region(), server.accessKey(),
				"wrong")) {
			assertThatExceptionOfType(S3Exception.class)
				.isThrownBy(() -> wrongSecret.listObjectsV2((request) -> request.bucket(BUCKET).prefix("some/folder/")))
				.withMessageStartingWith("S3 ListObjectsV2 s3://archive-test/some/folder/ at " + endpoint
						+ " failed: SignatureDoesNotMatch: ")
				.satisfies((ex) -> assertThat(ex.statusCode()).isEqualTo(403));
		}
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			closedPort = socket.getLocalPort();
		}
		URI nowhere = URI.create("http://127.0.0.1:" + closedPort);
		try (S3Client refused = S3Clients.forEndpoint(nowhere, server.region(), server.accessKey(),
				server.secretKey())) {
			assertThatExceptionOfType(SdkClientException.class)
				.isThrownBy(() -> refused.putObject((request) -> request.bucket(BUCKET).key("a/b.parquet"),
						RequestBody.fromString("x")))
				.withMessageStartingWith("S3 PutObject s3://archive-test/a/b.parquet at " + nowhere
						+ " failed: Unable to execute HTTP request: Connect to");
		}
	}

	@Test
	void onDiskServerKeepsObjectsInDirectory(@TempDir Path directory) {
		try (EmbeddedS3Server disk = EmbeddedS3Server.onDisk(directory); S3Client client = disk.newClient()) {
			disk.createBucket("disk-bucket");
			client.putObject((request) -> request.bucket("disk-bucket").key("a/b.txt"), RequestBody.fromString("x"));
			assertThat(directory.resolve("disk-bucket").resolve("a").resolve("b.txt")).exists();
		}
	}

	private static String eTag(S3Location location) {
		return s3.headObject((request) -> request.bucket(BUCKET).key(location.key())).eTag();
	}

	private static byte[] randomBytes(int size) {
		byte[] data = new byte[size];
		new Random(42).nextBytes(data);
		return data;
	}

	private static byte[] slice(byte[] data, int offset, int length) {
		byte[] slice = new byte[length];
		System.arraycopy(data, offset, slice, 0, length);
		return slice;
	}

}
