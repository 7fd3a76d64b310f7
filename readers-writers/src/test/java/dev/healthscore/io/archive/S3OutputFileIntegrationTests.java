package dev.healthscore.io.archive;

import java.io.IOException;

import dev.healthscore.io.s3.EmbeddedS3Server;
import dev.healthscore.io.s3.S3Location;
import dev.healthscore.io.s3.S3OutputStream;
import dev.healthscore.io.s3.ServerSideEncryption;
import org.apache.parquet.io.PositionOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link S3OutputFile} against the in-process S3 server: parquet-java closing
 * its stream does not complete the object, which the caller completes or aborts.
 */
class S3OutputFileIntegrationTests {

	private static final String BUCKET = "output-file";

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
		}
	}

	@Test
	void closingTheParquetStreamLeavesTheObjectUnwrittenUntilTheCallerCompletesIt() throws IOException {
		S3OutputFile file = new S3OutputFile(s3, new S3Location(BUCKET, "a/part-00000.parquet"),
				S3OutputStream.MIN_PART_SIZE, ServerSideEncryption.BUCKET_DEFAULT);
		// as parquet-java's ParquetFileWriter.end() does in a finally, footer written
		// or not
		try (PositionOutputStream out = file.createOrOverwrite(0)) {
			out.write(new byte[] { 'P', 'A', 'R', '1' });
		}
		assertThatExceptionOfType(NoSuchKeyException.class)
			.isThrownBy(() -> s3.headObject((request) -> request.bucket(BUCKET).key("a/part-00000.parquet")));
		file.stream().close();
		assertThat(s3.headObject((request) -> request.bucket(BUCKET).key("a/part-00000.parquet")).contentLength())
			.isEqualTo(4);
	}

	@Test
	void aParquetStreamClosedAfterAFailureIsAbortedAndWritesNothing() throws IOException {
		S3OutputFile file = new S3OutputFile(s3, new S3Location(BUCKET, "b/part-00000.parquet"),
				S3OutputStream.MIN_PART_SIZE, ServerSideEncryption.BUCKET_DEFAULT);
		PositionOutputStream out = file.createOrOverwrite(0);
		out.write(new byte[S3OutputStream.MIN_PART_SIZE + 1]); // a multipart upload began
		out.close();
		file.stream().abort();
		assertThatExceptionOfType(NoSuchKeyException.class)
			.isThrownBy(() -> s3.headObject((request) -> request.bucket(BUCKET).key("b/part-00000.parquet")));
		assertThat(s3.listMultipartUploads((request) -> request.bucket(BUCKET).prefix("b/")).uploads()).isEmpty();
	}

}
