package dev.healthscore.io.archive;

import java.time.YearMonth;

import dev.healthscore.io.s3.S3Location;
import dev.healthscore.io.s3.ServerSideEncryption;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and writes {@link ArchiveManifest}s as JSON objects in S3.
 */
public final class ArchiveManifests {

	private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

	private final S3Client s3;

	private final ArchiveLayout layout;

	/**
	 * Creates a store of manifests.
	 * @param s3 the client
	 * @param layout the archive's key layout
	 */
	public ArchiveManifests(S3Client s3, ArchiveLayout layout) {
		this.s3 = s3;
		this.layout = layout;
	}

	/**
	 * Writes a manifest to its month folder, replacing any older one.
	 * @param manifest the manifest
	 * @param encryption the server-side encryption to request
	 * @return where it was written
	 */
	public S3Location write(ArchiveManifest manifest, ServerSideEncryption encryption) {
		S3Location location = this.layout.manifest(manifest.archiveTable(), manifest.yearMonth());
		PutObjectRequest.Builder request = PutObjectRequest.builder()
			.bucket(location.bucket())
			.key(location.key())
			.contentType("application/json");
		this.s3.putObject(encryption.applyTo(request).build(), RequestBody.fromBytes(toJson(manifest)));
		return location;
	}

	/**
	 * Reads a month's manifest.
	 * @param table the table
	 * @param month the month, null for tables without partitions
	 * @return the manifest, or null when there is none
	 */
	public ArchiveManifest read(ArchiveTable table, YearMonth month) {
		S3Location location = this.layout.manifest(table, month);
		try {
			return fromJson(this.s3.getObjectAsBytes((request) -> request.bucket(location.bucket()).key(location.key()))
				.asByteArray());
		}
		catch (NoSuchKeyException ex) {
			return null;
		}
	}

	/**
	 * Returns a manifest as JSON.
	 * @param manifest the manifest
	 * @return UTF-8 JSON
	 */
	public static byte[] toJson(ArchiveManifest manifest) {
		return JSON.writeValueAsBytes(manifest);
	}

	/**
	 * Parses a manifest.
	 * @param json UTF-8 JSON
	 * @return the manifest
	 */
	public static ArchiveManifest fromJson(byte[] json) {
		ArchiveManifest manifest = JSON.readValue(json, ArchiveManifest.class);
		if (manifest.formatVersion() != ArchiveManifest.FORMAT_VERSION
				&& manifest.formatVersion() != ArchiveManifest.FORMAT_VERSION_WRITER_CHECKSUMS) {
			throw new IllegalArgumentException(
					"Unsupported manifest format version: " + manifest.formatVersion() + "; this build reads versions "
							+ ArchiveManifest.FORMAT_VERSION_WRITER_CHECKSUMS + " and " + ArchiveManifest.FORMAT_VERSION
							+ " (its checksums are defined otherwise): archive the month again with this build");
		}
		return manifest;
	}

}
