package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetUrlRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The storage settings that {@code archive} and {@code restore} check before they start:
 * the sort directory an export writes to, and the region of its S3 client.
 */
class ArchiveStoragePreconditionTests {

	@TempDir
	Path directory;

	@Test
	void aWritableDirectoryOrAMissingOneThatCanBeCreatedIsAccepted() {
		assertThat(ArchiveStoragePrecondition.sortDirectoryProblem(this.directory)).isNull();
		assertThat(ArchiveStoragePrecondition.sortDirectoryProblem(this.directory.resolve("fresh/sort"))).isNull();
		assertThat(this.directory.resolve("fresh")).as("nothing is created").doesNotExist();
	}

	@Test
	void aFileOrAPathUnderAFileOrABrokenLinkIsRefusedSayingWhy() throws IOException {
		Path file = Files.createFile(this.directory.resolve("file"));
		assertThat(ArchiveStoragePrecondition.sortDirectoryProblem(file)).isEqualTo("it is not a directory");
		assertThat(ArchiveStoragePrecondition.sortDirectoryProblem(file.resolve("a/b")))
			.isEqualTo("it does not exist, and cannot be created: " + file + " is not a directory");
		Path link = Files.createSymbolicLink(this.directory.resolve("link"), this.directory.resolve("gone"));
		assertThat(ArchiveStoragePrecondition.sortDirectoryProblem(link)).isEqualTo("it is a symbolic link to nothing");
	}

	@Test
	void anAwsRegionMustBeOneTheSdkKnowsAnEndpointsAnyNameButBlank() {
		assertThat(ArchiveStorageConfiguration.region(properties("eu-west-1", null))).isEqualTo(Region.EU_WEST_1);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ArchiveStorageConfiguration.region(properties("eu-wst-1", null)))
			.withMessageStartingWith("Invalid healthscore.archive.region, not an AWS region this build's SDK knows"
					+ " (such as eu-west-1 or us-east-1; check its spelling): eu-wst-1.");
		URI endpoint = URI.create("http://minio:9000");
		assertThat(ArchiveStorageConfiguration.region(properties("garage", endpoint)).id()).isEqualTo("garage");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ArchiveStorageConfiguration.region(properties(" ", endpoint)))
			.withMessageStartingWith("Invalid healthscore.archive.region (HEALTHSCORE_ARCHIVE_REGION), must not be"
					+ " blank (leave it unset for the SDK's lookup");
	}

	@Test
	void anAwsRegionNewerThanTheSdkIsRefusedSayingHowToGetPastItAndBothWaysWork() {
		String region = "ap-future-9";
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ArchiveStorageConfiguration.region(properties(region, null)))
			.withMessageEndingWith("A region newer than this build: leave healthscore.archive.region unset and set"
					+ " AWS_REGION=ap-future-9, which is not checked, or also set"
					+ " healthscore.archive.endpoint=https://s3.ap-future-9.amazonaws.com");
		GetUrlRequest object = GetUrlRequest.builder().bucket("archive").key("k").build();
		// the SDK's lookup (AWS_REGION, or the aws.region system property before it)
		String before = System.getProperty("aws.region");
		System.setProperty("aws.region", region);
		try (S3Client s3 = new ArchiveStorageConfiguration().archiveS3Client(properties(null, null))) {
			assertThat(s3.utilities().getUrl(object)).hasToString("https://archive.s3.ap-future-9.amazonaws.com/k");
		}
		finally {
			if (before != null) {
				System.setProperty("aws.region", before);
			}
			else {
				System.clearProperty("aws.region");
			}
		}
		URI endpoint = URI.create("https://s3." + region + ".amazonaws.com");
		try (S3Client s3 = new ArchiveStorageConfiguration().archiveS3Client(properties(region, endpoint))) {
			assertThat(s3.utilities().getUrl(object)).hasToString("https://s3.ap-future-9.amazonaws.com/archive/k");
		}
	}

	private static ArchiveProperties properties(String region, URI endpoint) {
		return new ArchiveProperties("archive", null, endpoint, region, null, null, null, null, null, null, null, null,
				null, null, null, null, null, null, null);
	}

}
