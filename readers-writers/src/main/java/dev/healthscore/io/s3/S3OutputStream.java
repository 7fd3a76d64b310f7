package dev.healthscore.io.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.healthscore.io.LogContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Streams bytes to one S3 object: a single PUT when they fit in one part, a multipart
 * upload otherwise, aborted on any failure. A full part uploads on a thread of its own
 * while the caller fills the next one, so the writer does not stall for the request (it
 * did for 100 ms per 16 MiB part, a tenth of the archive export, with the in-process
 * server); at most one part is in flight. Memory use is two part buffers, whatever the
 * object size. A part's failure is thrown by the next write that fills a part, or by
 * {@link #close()}.
 */
public final class S3OutputStream extends OutputStream {

	/** The smallest part S3 accepts (except the last one). */
	public static final int MIN_PART_SIZE = 5 * 1024 * 1024;

	/** Part size used when none is given. */
	public static final int PART_SIZE_DEFAULT = 16 * 1024 * 1024;

	/** How long {@link #abort()} waits for an interrupted part request to end. */
	private static final long PART_STOP_SECONDS = 30;

	/** How long the uploader's thread waits for a next part before it ends. */
	private static final long UPLOADER_IDLE_SECONDS = 30;

	private static final Logger logger = LoggerFactory.getLogger(S3OutputStream.class);

	private final S3Client s3;

	private final S3Location location;

	private final ServerSideEncryption encryption;

	private byte[] buffer;

	/** The buffer of the part in flight, or a free one; null before the first part. */
	private byte[] spare;

	/** The part being uploaded, or null. */
	private Future<CompletedPart> inFlight;

	private int inFlightPartNumber;

	private ExecutorService uploader;

	private final MessageDigest sha256;

	private final List<CompletedPart> parts = new ArrayList<>();

	private int buffered;

	private long position;

	private String uploadId;

	private String sha256Hex;

	private State state = State.OPEN;

	/**
	 * Creates a stream that uploads on {@link #close()} (or part by part before).
	 * @param s3 the client
	 * @param location the object to write; it is replaced when it exists
	 * @param partSize the part size in bytes, at least {@link #MIN_PART_SIZE}
	 * @param encryption the server-side encryption to request
	 */
	public S3OutputStream(S3Client s3, S3Location location, int partSize, ServerSideEncryption encryption) {
		if (partSize < MIN_PART_SIZE) {
			throw new IllegalArgumentException("Invalid part size, S3 needs at least 5 MiB: " + partSize);
		}
		this.s3 = s3;
		this.location = location;
		this.encryption = encryption;
		this.buffer = new byte[partSize];
		this.sha256 = newSha256();
	}

	@Override
	public void write(int b) throws IOException {
		ensureOpen();
		if (this.buffered == this.buffer.length) {
			uploadBufferAsPart();
		}
		this.buffer[this.buffered++] = (byte) b;
		this.sha256.update((byte) b);
		this.position++;
	}

	@Override
	public void write(byte[] bytes, int offset, int length) throws IOException {
		ensureOpen();
		this.sha256.update(bytes, offset, length);
		this.position += length;
		int written = 0;
		while (written < length) {
			if (this.buffered == this.buffer.length) {
				uploadBufferAsPart();
			}
			int chunk = Math.min(length - written, this.buffer.length - this.buffered);
			System.arraycopy(bytes, offset + written, this.buffer, this.buffered, chunk);
			this.buffered += chunk;
			written += chunk;
		}
	}

	/**
	 * Returns how many bytes were written so far.
	 * @return the byte count
	 */
	public long position() {
		return this.position;
	}

	/**
	 * Returns the SHA-256 of the object's bytes, once closed.
	 * @return the lowercase hex digest
	 */
	public String sha256() {
		if (this.state != State.COMPLETED) {
			throw new IllegalStateException(
					"Cannot tell the SHA-256 of " + this.location + ": upload is " + this.state);
		}
		return this.sha256Hex;
	}

	/**
	 * Returns where this stream writes.
	 * @return the object's location
	 */
	public S3Location location() {
		return this.location;
	}

	/**
	 * Completes the upload: the object exists (and replaced any older one) when this
	 * returns. Safe to call twice; after {@link #abort()} it does nothing.
	 */
	@Override
	public void close() throws IOException {
		if (this.state != State.OPEN) {
			return;
		}
		try {
			if (this.uploadId == null) {
				putSingleObject();
			}
			else {
				if (this.buffered > 0) {
					uploadBufferAsPart();
				}
				awaitPartInFlight();
				completeMultipartUpload();
			}
			this.sha256Hex = HexFormat.of().formatHex(this.sha256.digest());
			this.state = State.COMPLETED;
		}
		catch (RuntimeException ex) {
			abort();
			throw new IOException("Cannot complete upload of " + this.location, ex);
		}
		finally {
			stopUploader();
		}
	}

	/**
	 * Abandons the upload: a started multipart upload is aborted, nothing is written.
	 * Safe to call twice and after a failure; does nothing once the upload completed.
	 */
	public void abort() {
		if (this.state != State.OPEN) {
			return;
		}
		this.state = State.ABORTED;
		if (this.uploadId != null) {
			// an interrupt (a stopped job, or the SDK's own after an interrupted part)
			// would fail the abort request before it is sent: clear it meanwhile
			boolean interrupted = Thread.interrupted();
			try {
				// a part still uploading could otherwise land after the abort; an
				// interrupt that cuts this wait short is restored after the request too
				interrupted |= stopPartInFlight();
				this.s3.abortMultipartUpload(AbortMultipartUploadRequest.builder()
					.bucket(this.location.bucket())
					.key(this.location.key())
					.uploadId(this.uploadId)
					.build());
				logger.info("Aborted multipart upload of {} after {} parts", this.location, this.parts.size());
			}
			catch (RuntimeException ex) {
				logger.warn("Cannot abort multipart upload {} of {}: a bucket lifecycle rule must clean it up",
						this.uploadId, this.location, ex);
			}
			finally {
				if (interrupted) {
					Thread.currentThread().interrupt();
				}
			}
		}
		stopUploader();
	}

	/**
	 * Hands the full buffer to the uploader, after the part before it is done, and goes
	 * on with the other buffer.
	 */
	private void uploadBufferAsPart() throws IOException {
		try {
			if (this.uploadId == null) {
				CreateMultipartUploadRequest.Builder request = CreateMultipartUploadRequest.builder()
					.bucket(this.location.bucket())
					.key(this.location.key());
				this.uploadId = this.s3.createMultipartUpload(this.encryption.applyTo(request).build()).uploadId();
			}
		}
		catch (RuntimeException ex) {
			abort();
			throw new IOException("Cannot upload part " + (this.parts.size() + 1) + " of " + this.location, ex);
		}
		awaitPartInFlight();
		byte[] part = this.buffer;
		int length = this.buffered;
		int partNumber = this.parts.size() + 1;
		this.buffer = (this.spare != null) ? this.spare : new byte[part.length];
		this.spare = part;
		this.buffered = 0;
		if (this.uploader == null) {
			// one thread, which ends when idle: a stream its caller forgets to close
			// or abort leaves no thread behind
			ThreadPoolExecutor uploader = new ThreadPoolExecutor(1, 1, UPLOADER_IDLE_SECONDS, TimeUnit.SECONDS,
					new LinkedBlockingQueue<>(), (task) -> {
						Thread thread = new Thread(task, "s3-part-upload");
						thread.setDaemon(true);
						return thread;
					});
			uploader.allowCoreThreadTimeOut(true);
			this.uploader = uploader;
		}
		this.inFlightPartNumber = partNumber;
		this.inFlight = this.uploader.submit(LogContext.carryCallable(() -> uploadPart(partNumber, part, length)));
	}

	/**
	 * Waits for the part in flight, if any, and records it; on its failure, or an
	 * interrupt meanwhile, aborts the upload and throws.
	 */
	private void awaitPartInFlight() throws IOException {
		if (this.inFlight == null) {
			return;
		}
		try {
			this.parts.add(this.inFlight.get());
			this.inFlight = null;
		}
		catch (InterruptedException ex) {
			abort(); // keeps the interrupt
			Thread.currentThread().interrupt();
			throw new InterruptedIOException(
					"Interrupted while uploading part " + this.inFlightPartNumber + " of " + this.location);
		}
		catch (ExecutionException ex) {
			this.inFlight = null;
			abort();
			throw new IOException("Cannot upload part " + this.inFlightPartNumber + " of " + this.location,
					ex.getCause());
		}
	}

	/**
	 * Interrupts the part in flight, if any, and waits until its request has ended.
	 * @return whether this thread was interrupted while waiting (its interrupt status is
	 * left cleared, for the caller to restore)
	 */
	private boolean stopPartInFlight() {
		if (this.inFlight == null) {
			return false;
		}
		this.inFlight.cancel(true);
		this.inFlight = null;
		this.uploader.shutdown();
		try {
			if (!this.uploader.awaitTermination(PART_STOP_SECONDS, TimeUnit.SECONDS)) {
				logger.warn("Part {} of {} is still uploading {} s after it was interrupted", this.inFlightPartNumber,
						this.location, PART_STOP_SECONDS);
			}
		}
		catch (InterruptedException ex) {
			return true;
		}
		return false;
	}

	private void stopUploader() {
		if (this.uploader != null) {
			this.uploader.shutdownNow();
		}
	}

	private CompletedPart uploadPart(int partNumber, byte[] part, int length) {
		UploadPartRequest request = UploadPartRequest.builder()
			.bucket(this.location.bucket())
			.key(this.location.key())
			.uploadId(this.uploadId)
			.partNumber(partNumber)
			.contentLength((long) length)
			.build();
		String eTag = this.s3.uploadPart(request, body(part, length)).eTag();
		return CompletedPart.builder().partNumber(partNumber).eTag(eTag).build();
	}

	private void completeMultipartUpload() {
		this.s3.completeMultipartUpload(CompleteMultipartUploadRequest.builder()
			.bucket(this.location.bucket())
			.key(this.location.key())
			.uploadId(this.uploadId)
			.multipartUpload(CompletedMultipartUpload.builder().parts(this.parts).build())
			.build());
	}

	private void putSingleObject() {
		PutObjectRequest.Builder request = PutObjectRequest.builder()
			.bucket(this.location.bucket())
			.key(this.location.key())
			.contentLength((long) this.buffered);
		this.s3.putObject(this.encryption.applyTo(request).build(), body(this.buffer, this.buffered));
	}

	private static RequestBody body(byte[] bytes, int length) {
		// a new stream over the same buffer for each (re)try: no copy of the part
		return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length,
				"application/octet-stream");
	}

	private void ensureOpen() throws IOException {
		if (this.state != State.OPEN) {
			throw new IOException("Cannot write to " + this.location + ": upload is " + this.state);
		}
	}

	private static MessageDigest newSha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Cannot find SHA-256 in this JVM", ex);
		}
	}

	private enum State {

		OPEN, COMPLETED, ABORTED

	}

}
