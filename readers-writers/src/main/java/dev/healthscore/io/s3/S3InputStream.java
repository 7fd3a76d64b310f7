package dev.healthscore.io.s3;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads one S3 object with ranged GETs, seekable: a seek closes the open range and the
 * next read opens a new one from there, so reading a footer and then a few row groups
 * costs a few requests and no download of the whole object. A response that breaks midway
 * is asked for again from where it broke, a few times.
 * <p>
 * Every range is of the same object: the first response's ETag is remembered and each
 * later range is asked for only if the object still has it ({@code If-Match}), and every
 * response must say the object has the length the stream was opened with. An object
 * overwritten while it is read (say by another run writing the same key) is an
 * {@link ObjectChangedException}, never bytes of two objects spliced together.
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

	/** The status S3 answers a GET with when its {@code If-Match} does not hold. */
	private static final int PRECONDITION_FAILED = 412;

	private static final Logger logger = LoggerFactory.getLogger(S3InputStream.class);

	private final S3Client s3;

	private final S3Location location;

	private final long length;

	/**
	 * The ETag of the object the first range read, which every later range must match;
	 * null until then.
	 */
	private String eTag;

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
			// a range S3 refuses, or one of another object, is no broken response: it
			// throws from here and is not asked for again
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
				// a read timeout is an InterruptedIOException too, but a stalled
				// response, not the thread's interrupt: it is asked for again
				boolean interrupted = ex instanceof InterruptedIOException && !(ex instanceof SocketTimeoutException);
				if (attempt >= BODY_READ_ATTEMPTS || interrupted) {
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
			.ifMatch(this.eTag)
			.build();
		ResponseInputStream<GetObjectResponse> response;
		try {
			response = this.s3.getObject(request);
		}
		catch (S3Exception ex) {
			if (this.eTag != null && ex.statusCode() == PRECONDITION_FAILED) {
				// not a broken response: asking again would fail the same way
				throw new ObjectChangedException("Cannot read " + this.location + " from byte " + this.position
						+ ": the object changed while it was being read, it no longer has ETag " + this.eTag
						+ " of the bytes read before", ex);
			}
			throw new IOException("Cannot read " + this.location + " from byte " + this.position, ex);
		}
		catch (RuntimeException ex) {
			throw new IOException("Cannot read " + this.location + " from byte " + this.position, ex);
		}
		this.range = response;
		this.rangePosition = this.position;
		try {
			checkSameObject(response.response());
		}
		catch (ObjectChangedException ex) {
			closeRange();
			throw ex;
		}
	}

	/**
	 * Checks that a response is of the object this stream reads: of the length it was
	 * opened with, and, after the first response, of the ETag that one had. S3 refuses a
	 * later range of another ETag itself; a server that ignored {@code If-Match} is
	 * caught here too.
	 * @param response the response of a ranged GET
	 * @throws ObjectChangedException when the object is another one
	 */
	private void checkSameObject(GetObjectResponse response) throws ObjectChangedException {
		long objectLength = objectLength(response);
		if (objectLength >= 0 && objectLength != this.length) {
			throw new ObjectChangedException("Cannot read " + this.location + " from byte " + this.position
					+ ": the object has " + objectLength + " bytes, not the " + this.length + " expected"
					+ ((this.eTag != null) ? ", it changed while it was being read (it had ETag " + this.eTag + ")"
							: ", it is not the object that was listed or described"),
					null);
		}
		if (this.eTag == null) {
			this.eTag = response.eTag();
		}
		else if (response.eTag() != null && !this.eTag.equals(response.eTag())) {
			throw new ObjectChangedException("Cannot read " + this.location + " from byte " + this.position
					+ ": the object changed while it was being read, it has ETag " + response.eTag() + " instead of "
					+ this.eTag + " of the bytes read before", null);
		}
	}

	/**
	 * Returns the length of the whole object a ranged response is part of, from its
	 * {@code Content-Range} ({@code bytes 100-199/1000}), or -1 when it does not say.
	 */
	private static long objectLength(GetObjectResponse response) {
		String contentRange = response.contentRange();
		if (contentRange == null) {
			return -1;
		}
		String total = contentRange.substring(contentRange.lastIndexOf('/') + 1).trim();
		try {
			return Long.parseLong(total);
		}
		catch (NumberFormatException ex) {
			return -1;
		}
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

	/**
	 * Thrown when the object is not the one the stream reads: S3 refused a later range
	 * because the object no longer has the first response's ETag (412 Precondition
	 * Failed), or a response says the object has another length than the stream was
	 * opened with. The object was overwritten (or deleted and written again) since it was
	 * listed or since the stream began to read it, and the bytes read so far may be of an
	 * object that is gone. It is a problem of the object's content, not of S3 failing to
	 * answer, and the range is not asked for again.
	 */
	public static final class ObjectChangedException extends IOException {

		ObjectChangedException(String message, S3Exception cause) {
			super(message, cause);
		}

	}

}
