package dev.healthscore.io.archive;

import java.time.YearMonth;
import java.util.Objects;

import dev.healthscore.io.s3.S3Location;
import dev.healthscore.io.s3.ServerSideEncryption;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
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
	 * <p>
	 * S3 answers a request for an object that does not exist with 404 only to a caller
	 * allowed {@code s3:ListBucket} for it, and with 403 (access denied) otherwise. The
	 * task's role may list the bucket only under the archive's prefix, a condition on
	 * {@code s3:prefix} that a {@code GetObject} does not carry: a missing manifest (an
	 * export that stopped before writing it) could then read as access denied, and every
	 * run again would fail on it instead of exporting the month again. So a 403 is
	 * checked by listing the manifest's key, which that role may do: a manifest not
	 * listed is missing; one listed but refused is a real refusal, and thrown.
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
		catch (S3Exception ex) {
			if (ex.statusCode() == 403 && !listed(location, ex)) {
				return null;
			}
			throw ex;
		}
	}

	private boolean listed(S3Location location, S3Exception refusal) {
		try {
			return this.s3
				.listObjectsV2((request) -> request.bucket(location.bucket()).prefix(location.key()).maxKeys(1))
				.contents()
				.stream()
				.anyMatch((object) -> object.key().equals(location.key()));
		}
		catch (RuntimeException ex) {
			ex.addSuppressed(refusal);
			throw ex;
		}
	}

	/**
	 * Returns how a manifest read from a month's folder differs from what that folder is
	 * for: another table, month, source partition or folder, as a manifest copied or
	 * written there from elsewhere would. Comparing what such a manifest describes would
	 * verify another month's objects against another partition; it must count as a
	 * mismatch, never as verified.
	 * @param manifest the manifest read from the folder of {@code table} and
	 * {@code month}
	 * @param table the table being archived or restored
	 * @param month the month, null for tables without partitions
	 * @return null when the manifest describes that month, otherwise what it describes
	 */
	public String mismatch(ArchiveManifest manifest, ArchiveTable table, YearMonth month) {
		String expectedMonth = (month != null) ? month.toString() : null;
		String partition = (month != null) ? table.partitionName(month) : table.tableName();
		String folder = this.layout.folder(table, month).uri();
		if (table.tableName().equals(manifest.table()) && Objects.equals(expectedMonth, manifest.month())
				&& partition.equals(manifest.sourcePartition()) && folder.equals(manifest.location())) {
			return null;
		}
		return "Manifest " + this.layout.manifest(table, month).uri() + " describes "
				+ describe(manifest.table(), manifest.month(), manifest.sourcePartition(), manifest.location())
				+ ", not " + describe(table.tableName(), expectedMonth, partition, folder);
	}

	private static String describe(String table, String month, String partition, String folder) {
		return table + ((month != null) ? " " + month : "") + " (partition " + partition + ", folder " + folder + ")";
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
		if (manifest.formatVersion() < ArchiveManifest.FORMAT_VERSION_WRITER_CHECKSUMS
				|| manifest.formatVersion() > ArchiveManifest.FORMAT_VERSION) {
			throw new IllegalArgumentException(
					"Unsupported manifest format version: " + manifest.formatVersion() + "; this build reads versions "
							+ ArchiveManifest.FORMAT_VERSION_WRITER_CHECKSUMS + " to " + ArchiveManifest.FORMAT_VERSION
							+ " (its checksums are defined otherwise): archive the month again with this build");
		}
		return manifest;
	}

}
