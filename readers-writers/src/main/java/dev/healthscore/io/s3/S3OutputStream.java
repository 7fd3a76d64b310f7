package dev.healthscore.io.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

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
 * upload otherwise, aborted on any failure. Memory use is one part buffer, whatever the
 * object size.
 */
public final class S3OutputStream extends OutputStream {

	/** The smallest part S3 accepts (except the last one). */
	public static final int MIN_PART_SIZE = 5 * 1024 * 1024;

	/** Part size used when none is given. */
	public static final int PART_SIZE_DEFAULT = 16 * 1024 * 1024;

	private static final Logger logger = LoggerFactory.getLogger(S3OutputStream.class);

	private final S3Client s3;

	private final S3Location location;

	private final ServerSideEncryption encryption;

	private final byte[] buffer;

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
					uploadPart();
				}
				completeMultipartUpload();
			}
			this.sha256Hex = HexFormat.of().formatHex(this.sha256.digest());
			this.state = State.COMPLETED;
		}
		catch (RuntimeException ex) {
			abort();
			throw new IOException("Cannot complete upload of " + this.location, ex);
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
	}

	private void uploadBufferAsPart() throws IOException {
		try {
			if (this.uploadId == null) {
				CreateMultipartUploadRequest.Builder request = CreateMultipartUploadRequest.builder()
					.bucket(this.location.bucket())
					.key(this.location.key());
				this.uploadId = this.s3.createMultipartUpload(this.encryption.applyTo(request).build()).uploadId();
			}
			uploadPart();
		}
		catch (RuntimeException ex) {
			abort();
			throw new IOException("Cannot upload part " + (this.parts.size() + 1) + " of " + this.location, ex);
		}
	}

	private void uploadPart() {
		int partNumber = this.parts.size() + 1;
		UploadPartRequest request = UploadPartRequest.builder()
			.bucket(this.location.bucket())
			.key(this.location.key())
			.uploadId(this.uploadId)
			.partNumber(partNumber)
			.contentLength((long) this.buffered)
			.build();
		String eTag = this.s3.uploadPart(request, body()).eTag();
		this.parts.add(CompletedPart.builder().partNumber(partNumber).eTag(eTag).build());
		this.buffered = 0;
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
		this.s3.putObject(this.encryption.applyTo(request).build(), body());
	}

	private RequestBody body() {
		int length = this.buffered;
		// a new stream over the same buffer for each (re)try: no copy of the part
		return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(this.buffer, 0, length), length,
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
