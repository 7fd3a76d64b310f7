package dev.healthscore.io.s3;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.mockito.AdditionalAnswers.delegatesTo;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * Fault and encryption tests for {@link S3OutputStream}, against the in-process server
 * through a client wrapped to inject failures and capture requests.
 */
class S3OutputStreamIntegrationTests {

	private static final String BUCKET = "faults";

	private static EmbeddedS3Server server;

	private static S3Client real;

	@BeforeAll
	static void startServer() {
		server = EmbeddedS3Server.inMemory();
		server.createBucket(BUCKET);
		real = server.newClient();
	}

	@AfterAll
	static void stopServer() {
		try {
			real.close();
		}
		finally {
			server.close();
		}
	}

	@Test
	void failedSecondPartAbortsUploadAndLeavesNothing() {
		S3Client s3 = mock(S3Client.class, delegatesTo(real));
		AtomicInteger parts = new AtomicInteger();
		doAnswer((invocation) -> {
			if (parts.incrementAndGet() == 2) {
				throw SdkClientException.create("injected failure of part 2");
			}
			return real.uploadPart(invocation.getArgument(0, UploadPartRequest.class),
					invocation.getArgument(1, RequestBody.class));
		}).when(s3).uploadPart(any(UploadPartRequest.class), any(RequestBody.class));
		S3Location location = new S3Location(BUCKET, "failed/object.bin");
		S3OutputStream out = new S3OutputStream(s3, location, S3OutputStream.MIN_PART_SIZE,
				ServerSideEncryption.BUCKET_DEFAULT);
		byte[] data = randomBytes(3 * S3OutputStream.MIN_PART_SIZE);
		// part 2 fails on the uploader's thread: the next part boundary (here, the last
		// part at close) throws it
		assertThatIOException().isThrownBy(() -> {
			out.write(data, 0, data.length);
			out.close();
		})
			.withMessage("Cannot upload part 2 of s3://faults/failed/object.bin")
			.withRootCauseInstanceOf(SdkClientException.class);
		assertThatIOException().isThrownBy(() -> out.write(1))
			.withMessage("Cannot write to s3://faults/failed/object.bin: upload is ABORTED");
		out.abort();
		verify(s3, times(1)).abortMultipartUpload(any(AbortMultipartUploadRequest.class));
		assertThat(real.listMultipartUploads((request) -> request.bucket(BUCKET)).uploads()).isEmpty();
		assertThatExceptionOfType(NoSuchKeyException.class)
			.isThrownBy(() -> real.headObject((request) -> request.bucket(BUCKET).key(location.key())).eTag().length());
	}

	@Test
	void abortOnAnInterruptedThreadStillAbortsUploadAndKeepsTheInterrupt() throws IOException {
		S3Location location = new S3Location(BUCKET, "interrupted/object.bin");
		S3OutputStream out = new S3OutputStream(real, location, S3OutputStream.MIN_PART_SIZE,
				ServerSideEncryption.BUCKET_DEFAULT);
		out.write(randomBytes(S3OutputStream.MIN_PART_SIZE + 1));
		assertThat(real.listMultipartUploads((request) -> request.bucket(BUCKET).prefix("interrupted/")).uploads())
			.hasSize(1);
		// a job stopped by interrupting its thread: the writer gives up and aborts
		Thread.currentThread().interrupt();
		try {
			out.abort();
			assertThat(Thread.currentThread().isInterrupted()).isTrue();
		}
		finally {
			Thread.interrupted();
		}
		assertThat(real.listMultipartUploads((request) -> request.bucket(BUCKET).prefix("interrupted/")).uploads())
			.isEmpty();
	}

	@Test
	void partUploadInterruptedInTheSdkAbortsUpload() {
		S3Client s3 = mock(S3Client.class, delegatesTo(real));
		AtomicInteger parts = new AtomicInteger();
		doAnswer((invocation) -> {
			if (parts.incrementAndGet() == 2) {
				// as the SDK does when the thread is interrupted during a request
				Thread.currentThread().interrupt();
				throw AbortedException.create("Thread was interrupted");
			}
			return real.uploadPart(invocation.getArgument(0, UploadPartRequest.class),
					invocation.getArgument(1, RequestBody.class));
		}).when(s3).uploadPart(any(UploadPartRequest.class), any(RequestBody.class));
		S3OutputStream out = new S3OutputStream(s3, new S3Location(BUCKET, "interrupted-part/object.bin"),
				S3OutputStream.MIN_PART_SIZE, ServerSideEncryption.BUCKET_DEFAULT);
		byte[] data = randomBytes(3 * S3OutputStream.MIN_PART_SIZE);
		assertThatIOException().isThrownBy(() -> {
			out.write(data, 0, data.length);
			out.close();
		})
			.withMessage("Cannot upload part 2 of s3://faults/interrupted-part/object.bin")
			.withRootCauseInstanceOf(AbortedException.class);
		// the interrupt was the uploader thread's, not the writer's
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
		assertThat(real.listMultipartUploads((request) -> request.bucket(BUCKET).prefix("interrupted-part/")).uploads())
			.isEmpty();
	}

	@Test
	void writerInterruptedWhileAPartUploadsStopsThePartAndAbortsUpload() throws Exception {
		S3Client s3 = mock(S3Client.class, delegatesTo(real));
		CountDownLatch partTwoStarted = new CountDownLatch(1);
		AtomicBoolean partTwoInterrupted = new AtomicBoolean();
		doAnswer((invocation) -> {
			if (invocation.getArgument(0, UploadPartRequest.class).partNumber() == 2) {
				partTwoStarted.countDown();
				try {
					new CountDownLatch(1).await(); // a request that hangs until
													// interrupted
				}
				catch (InterruptedException ex) {
					partTwoInterrupted.set(true);
					throw AbortedException.create("Thread was interrupted");
				}
			}
			return real.uploadPart(invocation.getArgument(0, UploadPartRequest.class),
					invocation.getArgument(1, RequestBody.class));
		}).when(s3).uploadPart(any(UploadPartRequest.class), any(RequestBody.class));
		S3OutputStream out = new S3OutputStream(s3, new S3Location(BUCKET, "interrupted-writer/object.bin"),
				S3OutputStream.MIN_PART_SIZE, ServerSideEncryption.BUCKET_DEFAULT);
		out.write(randomBytes(2 * S3OutputStream.MIN_PART_SIZE + 1)); // part 2 is in
																		// flight
		assertThat(partTwoStarted.await(30, TimeUnit.SECONDS)).isTrue();
		// a job stopped by interrupting its thread while the writer waits for part 2
		Thread.currentThread().interrupt();
		try {
			assertThatExceptionOfType(InterruptedIOException.class)
				.isThrownBy(() -> out.write(randomBytes(S3OutputStream.MIN_PART_SIZE)))
				.withMessage("Interrupted while uploading part 2 of s3://faults/interrupted-writer/object.bin");
			assertThat(Thread.currentThread().isInterrupted()).isTrue();
		}
		finally {
			Thread.interrupted();
		}
		assertThat(partTwoInterrupted).isTrue();
		verify(s3, times(1)).abortMultipartUpload(any(AbortMultipartUploadRequest.class));
		assertThat(
				real.listMultipartUploads((request) -> request.bucket(BUCKET).prefix("interrupted-writer/")).uploads())
			.isEmpty();
	}

	@Test
	void abortInterruptedWhileWaitingForThePartInFlightStillAbortsUploadAndKeepsTheInterrupt() throws Exception {
		S3Client s3 = mock(S3Client.class, delegatesTo(real));
		CountDownLatch partTwoStarted = new CountDownLatch(1);
		doAnswer((invocation) -> {
			if (invocation.getArgument(0, UploadPartRequest.class).partNumber() == 2) {
				partTwoStarted.countDown();
				// a request blocked in a socket write, which an interrupt does not end
				long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
				while (System.nanoTime() < end) {
					try {
						Thread.sleep(50);
					}
					catch (InterruptedException ex) {
						// ignored, as a blocking socket write ignores it
					}
				}
				throw AbortedException.create("Thread was interrupted");
			}
			return real.uploadPart(invocation.getArgument(0, UploadPartRequest.class),
					invocation.getArgument(1, RequestBody.class));
		}).when(s3).uploadPart(any(UploadPartRequest.class), any(RequestBody.class));
		S3OutputStream out = new S3OutputStream(s3, new S3Location(BUCKET, "interrupted-abort/object.bin"),
				S3OutputStream.MIN_PART_SIZE, ServerSideEncryption.BUCKET_DEFAULT);
		out.write(randomBytes(2 * S3OutputStream.MIN_PART_SIZE + 1)); // part 2 is in
																		// flight
		assertThat(partTwoStarted.await(30, TimeUnit.SECONDS)).isTrue();
		// a job stopped by interrupting its thread while abort waits for part 2 to stop
		Thread writer = Thread.currentThread();
		Thread interrupter = new Thread(() -> {
			try {
				Thread.sleep(500);
			}
			catch (InterruptedException ex) {
				return;
			}
			writer.interrupt();
		});
		interrupter.start();
		try {
			out.abort();
			assertThat(Thread.currentThread().isInterrupted()).isTrue();
		}
		finally {
			Thread.interrupted();
			interrupter.join();
		}
		verify(s3, times(1)).abortMultipartUpload(any(AbortMultipartUploadRequest.class));
		assertThat(
				real.listMultipartUploads((request) -> request.bucket(BUCKET).prefix("interrupted-abort/")).uploads())
			.isEmpty();
	}

	@Test
	void partsUploadedWhileTheNextIsWrittenMakeTheObjectInOrder() throws IOException {
		S3Location location = new S3Location(BUCKET, "parts/object.bin");
		byte[] data = randomBytes(4 * S3OutputStream.MIN_PART_SIZE + 12345);
		try (S3OutputStream out = new S3OutputStream(real, location, S3OutputStream.MIN_PART_SIZE,
				ServerSideEncryption.BUCKET_DEFAULT)) {
			for (int offset = 0; offset < data.length; offset += 100_003) {
				out.write(data, offset, Math.min(100_003, data.length - offset));
			}
		}
		byte[] read = real.getObjectAsBytes((request) -> request.bucket(BUCKET).key(location.key())).asByteArray();
		assertThat(read).isEqualTo(data);
	}

	@Test
	void closeAfterFailureDoesNothingAndCloseTwiceIsSafe() throws IOException {
		S3Location location = new S3Location(BUCKET, "twice/object.bin");
		S3OutputStream out = new S3OutputStream(real, location, S3OutputStream.MIN_PART_SIZE,
				ServerSideEncryption.BUCKET_DEFAULT);
		out.write(new byte[] { 1, 2, 3 });
		out.close();
		out.close();
		out.abort();
		assertThat(real.headObject((request) -> request.bucket(BUCKET).key(location.key())).contentLength())
			.isEqualTo(3);
	}

	@Test
	void kmsEncryptionReachesMultipartUploadRequest() throws IOException {
		S3Client s3 = mock(S3Client.class, delegatesTo(real));
		try (S3OutputStream out = new S3OutputStream(s3, new S3Location(BUCKET, "kms/object.bin"),
				S3OutputStream.MIN_PART_SIZE, ServerSideEncryption.kms("alias/healthscore-archive"))) {
			out.write(randomBytes(S3OutputStream.MIN_PART_SIZE + 1));
		}
		ArgumentCaptor<CreateMultipartUploadRequest> request = ArgumentCaptor
			.forClass(CreateMultipartUploadRequest.class);
		verify(s3).createMultipartUpload(request.capture());
		assertThat(request.getValue().serverSideEncryptionAsString()).isEqualTo("aws:kms");
		assertThat(request.getValue().ssekmsKeyId()).isEqualTo("alias/healthscore-archive");
		assertThat(real.listMultipartUploads((list) -> list.bucket(BUCKET)).uploads()).isEmpty();
	}

	@Test
	void s3ManagedEncryptionReachesSinglePutRequest() throws IOException {
		S3Client s3 = mock(S3Client.class, delegatesTo(real));
		try (S3OutputStream out = new S3OutputStream(s3, new S3Location(BUCKET, "sse-s3/object.bin"),
				S3OutputStream.MIN_PART_SIZE, ServerSideEncryption.SSE_S3)) {
			out.write(new byte[] { 42 });
		}
		ArgumentCaptor<PutObjectRequest> request = ArgumentCaptor.forClass(PutObjectRequest.class);
		verify(s3).putObject(request.capture(), any(RequestBody.class));
		assertThat(request.getValue().serverSideEncryptionAsString()).isEqualTo("AES256");
	}

	private static byte[] randomBytes(int size) {
		byte[] data = new byte[size];
		new Random(7).nextBytes(data);
		return data;
	}

}
