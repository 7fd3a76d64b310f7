package dev.healthscore.io.s3;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Reads one S3 object with ranged GETs, seekable: a seek closes the open range and the
 * next read opens a new one from there, so reading a footer and then a few row groups
 * costs a few requests and no download of the whole object. A response that breaks midway
 * is asked for again from where it broke, a few times.
 */
public final class S3InputStream extends InputStream {

	/**
	 * Forward seeks up to this many bytes skip within the open response instead of a new
	 * GET.
	 */
	private static final long SKIP_WITHIN_RANGE = 256 * 1024;

	/**
	 * Reads of a response body tried in a row, each from a new ranged GET at the position
	 * where the previous one broke.
	 */
	private static final int BODY_READ_ATTEMPTS = 3;

	private static final Logger logger = LoggerFactory.getLogger(S3InputStream.class);

	private final S3Client s3;

	private final S3Location location;

	private final long length;

	private ResponseInputStream<GetObjectResponse> range;

	private long rangePosition;

	private long position;

	private boolean closed;

	/**
	 * Creates a stream over an object of known length.
	 * @param s3 the client
	 * @param location the object
	 * @param length the object's length in bytes
	 */
	public S3InputStream(S3Client s3, S3Location location, long length) {
		this.s3 = s3;
		this.location = location;
		this.length = length;
	}

	/**
	 * Returns the position of the next byte read.
	 * @return the position
	 */
	public long position() {
		return this.position;
	}

	/**
	 * Moves to a position; the next read starts there.
	 * @param newPosition the position, from 0 to the object's length
	 * @throws IOException when the position is outside the object or the stream is closed
	 */
	public void seek(long newPosition) throws IOException {
		ensureOpen();
		if (newPosition < 0 || newPosition > this.length) {
			throw new EOFException(
					"Cannot seek to " + newPosition + " in " + this.location + " of " + this.length + " bytes");
		}
		this.position = newPosition;
	}

	@Override
	public int read() throws IOException {
		byte[] one = new byte[1];
		int n = read(one, 0, 1);
		return (n == -1) ? -1 : (one[0] & 0xff);
	}

	@Override
	public int read(byte[] bytes, int offset, int count) throws IOException {
		ensureOpen();
		if (count == 0) {
			return 0;
		}
		if (this.position >= this.length) {
			return -1;
		}
		for (int attempt = 1;; attempt++) {
			alignRange();
			int n;
			try {
				n = this.range.read(bytes, offset, (int) Math.min(count, this.length - this.position));
				if (n < 0) {
					throw new EOFException("Cannot read " + this.location + ": response ended at " + this.position
							+ " of " + this.length + " bytes");
				}
			}
			catch (IOException ex) {
				// the SDK retries a request that fails, not a response body that breaks
				// midway (a connection reset): ask again from where it broke
				closeRange();
				if (attempt >= BODY_READ_ATTEMPTS || ex instanceof InterruptedIOException) {
					String message = "Cannot read " + this.location + " at byte " + this.position + " of " + this.length
							+ " (attempt " + attempt + "): " + ex.getMessage();
					// a response that ends early is an object shorter than expected; one
					// that keeps breaking, or an interrupt, says nothing of the object
					throw (ex instanceof EOFException) ? new IOException(message, ex)
							: new ResponseFailedException(message, ex);
				}
				logger.warn("Reading {} broke at byte {} of {}, reading on from there (attempt {}): {}", this.location,
						this.position, this.length, attempt, ex.toString());
				continue;
			}
			this.position += n;
			this.rangePosition += n;
			return n;
		}
	}

	@Override
	public int available() {
		return (int) Math.min(Integer.MAX_VALUE, this.length - this.position);
	}

	@Override
	public void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		closeRange();
	}

	private void alignRange() throws IOException {
		long gap = this.position - this.rangePosition;
		if (this.range != null && gap >= 0 && gap <= SKIP_WITHIN_RANGE) {
			try {
				this.range.skipNBytes(gap);
				this.rangePosition = this.position;
				return;
			}
			catch (IOException ex) {
				// a broken response: a new range from the position below
				logger.warn("Skipping within {} broke at byte {}, reading on with a new request: {}", this.location,
						this.rangePosition, ex.toString());
			}
		}
		closeRange();
		GetObjectRequest request = GetObjectRequest.builder()
			.bucket(this.location.bucket())
			.key(this.location.key())
			.range("bytes=" + this.position + "-")
			.build();
		try {
			this.range = this.s3.getObject(request);
		}
		catch (RuntimeException ex) {
			throw new IOException("Cannot read " + this.location + " from byte " + this.position, ex);
		}
		this.rangePosition = this.position;
	}

	private void closeRange() {
		if (this.range != null) {
			// abort: closing would drain the rest of an open-ended range over the network
			this.range.abort();
			try {
				this.range.close();
			}
			catch (IOException ex) {
				// the connection is released by abort; nothing left to do
			}
			this.range = null;
		}
	}

	private void ensureOpen() throws IOException {
		if (this.closed) {
			throw new IOException("Cannot read " + this.location + ": stream is closed");
		}
	}

	/**
	 * Thrown when an object's response could not be read to its end: it broke midway more
	 * often than the stream asks again, or the reading thread was interrupted. It says
	 * nothing of the object's content, unlike a response that ends before the object's
	 * length.
	 */
	public static final class ResponseFailedException extends IOException {

		ResponseFailedException(String message, IOException cause) {
			super(message, cause);
		}

	}

}
