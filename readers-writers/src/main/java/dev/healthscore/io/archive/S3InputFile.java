package dev.healthscore.io.archive;

import java.io.IOException;

import dev.healthscore.io.s3.S3InputStream;
import dev.healthscore.io.s3.S3Location;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A Parquet {@link InputFile} over one S3 object, read with ranged GETs.
 */
final class S3InputFile implements InputFile {

	private final S3Client s3;

	private final S3Location location;

	private final long length;

	S3InputFile(S3Client s3, S3Location location, long length) {
		this.s3 = s3;
		this.location = location;
		this.length = length;
	}

	@Override
	public long getLength() {
		return this.length;
	}

	@Override
	public SeekableInputStream newStream() {
		S3InputStream stream = new S3InputStream(this.s3, this.location, this.length);
		return new DelegatingSeekableInputStream(stream) {

			@Override
			public long getPos() {
				return stream.position();
			}

			@Override
			public void seek(long newPos) throws IOException {
				stream.seek(newPos);
			}

		};
	}

	@Override
	public String toString() {
		return this.location.uri();
	}

}
