package dev.healthscore.io.archive;

import java.io.IOException;

import dev.healthscore.io.s3.S3Location;
import dev.healthscore.io.s3.S3OutputStream;
import dev.healthscore.io.s3.ServerSideEncryption;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A Parquet {@link OutputFile} that streams to one S3 object through
 * {@link S3OutputStream}. Closing the Parquet stream leaves the upload open: the caller
 * completes it ({@code stream().close()}) after the Parquet writer closed, or aborts it.
 */
final class S3OutputFile implements OutputFile {

	private final S3Client s3;

	private final S3Location location;

	private final int partSize;

	private final ServerSideEncryption encryption;

	private S3OutputStream stream;

	S3OutputFile(S3Client s3, S3Location location, int partSize, ServerSideEncryption encryption) {
		this.s3 = s3;
		this.location = location;
		this.partSize = partSize;
		this.encryption = encryption;
	}

	@Override
	public PositionOutputStream create(long blockSizeHint) {
		return createOrOverwrite(blockSizeHint);
	}

	@Override
	public PositionOutputStream createOrOverwrite(long blockSizeHint) {
		if (this.stream != null) {
			throw new IllegalStateException("Cannot create " + this.location + " twice");
		}
		this.stream = new S3OutputStream(this.s3, this.location, this.partSize, this.encryption);
		S3OutputStream target = this.stream;
		return new PositionOutputStream() {

			@Override
			public long getPos() {
				return target.position();
			}

			@Override
			public void write(int b) throws IOException {
				target.write(b);
			}

			@Override
			public void write(byte[] bytes, int offset, int length) throws IOException {
				target.write(bytes, offset, length);
			}

			/**
			 * Does not complete the upload: parquet-java closes the stream in a
			 * {@code finally} even when writing the footer failed, which would complete
			 * an object without one. The caller completes it with {@link #stream()} once
			 * the Parquet writer closed without error, or aborts it.
			 */
			@Override
			public void close() {
			}

		};
	}

	/**
	 * Returns the stream once created: its byte count and digest after close, or to abort
	 * it.
	 * @return the stream
	 */
	S3OutputStream stream() {
		return this.stream;
	}

	@Override
	public boolean supportsBlockSize() {
		return false;
	}

	@Override
	public long defaultBlockSize() {
		return 0;
	}

	@Override
	public String getPath() {
		return this.location.uri();
	}

}
