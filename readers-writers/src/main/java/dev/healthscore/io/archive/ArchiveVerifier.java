package dev.healthscore.io.archive;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.healthscore.io.Causes;
import dev.healthscore.io.LogContext;
import dev.healthscore.io.archive.ArchiveManifest.ArchiveFile;
import dev.healthscore.io.s3.S3InputStream;
import dev.healthscore.io.s3.S3Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Checks an exported month before its partition may leave PostgreSQL: reads every data
 * file in the month's folder back from S3 and compares row count and content checksum
 * with the source partition's, computed by SQL; also compares the folder with the
 * manifest (keys, sizes, row counts, and once it is verified, checksums). The writer
 * computes no checksum: what a verified manifest holds is what was read back and what
 * PostgreSQL computed.
 * <p>
 * What the objects hold is told apart from S3 failing to answer: a missing object, one of
 * another size, one overwritten while it was read back, unreadable Parquet or other rows
 * are problems of the {@link ArchiveVerification}; S3 failing (the network, a server
 * error, throttling, a refused request, after the SDK's retries) is an
 * {@link ArchiveStorageUnavailableException}, since it says nothing of the content.
 */
public final class ArchiveVerifier {

	private static final Logger logger = LoggerFactory.getLogger(ArchiveVerifier.class);

	private final S3Client s3;

	/**
	 * Creates a verifier.
	 * @param s3 the client
	 */
	public ArchiveVerifier(S3Client s3) {
		this.s3 = s3;
	}

	/**
	 * Compares the archive described by a manifest with its source partition. A month's
	 * partition with other columns than the objects hold does not match, whatever the
	 * checksums say.
	 * @param connection a connection to the database holding the source partition
	 * @param manifest the export's manifest
	 * @return the verification, whose {@code expected} is the source's
	 * @throws ArchiveStorageUnavailableException when S3 failed to list or deliver the
	 * objects, so that nothing was compared (a checksum that failed too is attached as
	 * suppressed)
	 */
	public ArchiveVerification verify(Connection connection, ArchiveManifest manifest) throws SQLException {
		// a column the checksum does not cover would leave PostgreSQL unarchived: one the
		// app added, or one an earlier build did not write
		List<String> columnProblems = (manifest.month() != null)
				? SourceColumns.differences(connection, manifest.archiveTable(), manifest.sourcePartition())
				: List.of();
		// PostgreSQL computes its checksum while this thread reads the objects back
		long start = System.nanoTime();
		long[] sourceNanos = new long[1];
		CompletableFuture<ContentChecksum> sourceChecksum = CompletableFuture.supplyAsync(() -> {
			try {
				ContentChecksum checksum = ChecksumSql.compute(connection, manifest.archiveTable(),
						manifest.sourcePartition());
				sourceNanos[0] = System.nanoTime() - start;
				return checksum;
			}
			catch (SQLException ex) {
				throw new CompletionException(ex);
			}
		}, (task) -> {
			Thread thread = new Thread(LogContext.carry(task), "archive-source-checksum");
			thread.setDaemon(true);
			thread.start();
		});
		List<String> problems = new ArrayList<>();
		if (!columnProblems.isEmpty()) {
			problems.add("Source " + manifest.sourcePartition() + " has other columns than the objects in "
					+ manifest.location() + " hold: " + String.join("; ", columnProblems));
		}
		Map<String, ContentChecksum> files;
		long readNanos;
		try {
			files = readBack(manifest, problems);
			readNanos = System.nanoTime() - start;
		}
		catch (RuntimeException | Error ex) {
			// the connection is free again only once the checksum is done; if it failed
			// too, the read's failure stays the error
			try {
				source(sourceChecksum);
			}
			catch (SQLException | RuntimeException checksumFailure) {
				ex.addSuppressed(checksumFailure);
			}
			throw ex;
		}
		ContentChecksum archived = files.values().stream().reduce(ContentChecksum.EMPTY, ContentChecksum::plus);
		ContentChecksum source = source(sourceChecksum);
		if (source.rows() != manifest.rows() || (manifest.verified() && !source.equals(manifest.contentChecksum()))) {
			problems.add("Manifest differs from source " + manifest.sourcePartition() + ": manifest has "
					+ (manifest.verified() ? manifest.contentChecksum() : manifest.rows() + " rows") + ", source has "
					+ source);
		}
		if (!source.equals(archived)) {
			problems.add("Objects in " + manifest.location() + " differ from source " + manifest.sourcePartition()
					+ ": objects have " + archived + ", source has " + source);
		}
		ArchiveVerification verification = new ArchiveVerification(source, archived, problems, files);
		logger.info("Verified {} against {}: {} (read back in {} ms, checksum by SQL in {} ms)", manifest.location(),
				manifest.sourcePartition(), verification.matches() ? "match, " + source : verification.problems(),
				readNanos / 1_000_000, sourceNanos[0] / 1_000_000);
		return verification;
	}

	private static ContentChecksum source(CompletableFuture<ContentChecksum> checksum) throws SQLException {
		try {
			return checksum.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof SQLException sql) {
				throw sql;
			}
			throw ex;
		}
	}

	/**
	 * Reads every data file in the manifest's folder and returns each one's content,
	 * noting files that are missing, unexpected, or of another size, row count or (once
	 * the manifest is verified) checksum than the manifest says.
	 * @param manifest the manifest
	 * @param problems receives what differs from the manifest
	 * @return the content of each file read, by object key
	 * @throws ArchiveStorageUnavailableException when S3 failed to list or deliver them
	 */
	private Map<String, ContentChecksum> readBack(ArchiveManifest manifest, List<String> problems) {
		S3Location folder = S3Location.parse(manifest.location());
		ArchiveObjects objects = new ArchiveObjects(this.s3);
		Map<String, ArchiveFile> expected = manifest.files()
			.stream()
			.collect(Collectors.toMap(ArchiveFile::key, Function.identity()));
		Map<String, ContentChecksum> files = new LinkedHashMap<>();
		List<S3Object> listed;
		try {
			listed = objects.dataFiles(folder);
		}
		catch (SdkException ex) {
			throw unavailable("Cannot list " + folder.uri(), ex, ex);
		}
		for (S3Object object : listed) {
			ArchiveFile file = expected.remove(object.key());
			if (file == null) {
				problems.add("Unexpected object not in manifest: s3://" + folder.bucket() + "/" + object.key());
			}
			else if (file.bytes() != object.size()) {
				problems.add("Object s3://" + folder.bucket() + "/" + object.key() + " has " + object.size()
						+ " bytes, manifest says " + file.bytes());
			}
			RowChecksum checksum = new RowChecksum(manifest.archiveTable());
			try {
				objects.read(manifest.archiveTable(), new S3Location(folder.bucket(), object.key()), object.size(),
						checksum::add);
			}
			catch (IOException | RuntimeException ex) {
				Throwable outage = outage(ex);
				if (outage != null) {
					throw unavailable("Cannot read back s3://" + folder.bucket() + "/" + object.key(), outage, ex);
				}
				problems
					.add("Cannot read object s3://" + folder.bucket() + "/" + object.key() + ": " + ex.getMessage());
			}
			ContentChecksum content = checksum.result();
			if (file != null && (content.rows() != file.rows()
					|| (file.contentChecksum() != null && !content.equals(file.contentChecksum())))) {
				problems.add("Object s3://" + folder.bucket() + "/" + object.key() + " holds " + content
						+ ", manifest says " + file.rows() + " rows"
						+ ((file.checksum() != null) ? ", checksum " + file.checksum() : ""));
			}
			files.put(object.key(), content);
		}
		expected.keySet().forEach((key) -> problems.add("Missing object: s3://" + folder.bucket() + "/" + key));
		return files;
	}

	/**
	 * Returns what made reading an object fail when it says nothing of the object's
	 * content, or null when the object itself is the problem. Content: S3 answered that
	 * the object does not exist (404) or is shorter than listed (416), the response ended
	 * before the object's length, the object changed while it was being read
	 * ({@link S3InputStream.ObjectChangedException}: overwritten between two ranges, S3
	 * refusing the later one with 412, or of another length than listed), or the bytes
	 * are not the Parquet expected. Such a month does not match and is exported again; an
	 * object that changed under the reader must not count as an outage, though S3
	 * answered an error status to say so. Not content: the SDK failed on its side (the
	 * network, a timeout, after its retries), S3 answered with another error (a server
	 * error, throttling, a refusal such as an expired token or denied access), or a
	 * response broke midway more often than the stream asks again.
	 * @param failure what reading the object threw
	 * @return the exception to report as S3 being unavailable, or null
	 */
	static Throwable outage(Throwable failure) {
		// the outermost exception that says: an object that changed (its cause is S3's
		// 412, an error status that says the content changed), S3's answer, or the SDK's
		Throwable decisive = Causes.find(failure,
				(cause) -> cause instanceof S3InputStream.ObjectChangedException || cause instanceof SdkServiceException
						|| cause instanceof SdkClientException
						|| cause instanceof S3InputStream.ResponseFailedException);
		if (decisive instanceof SdkServiceException service) {
			return (service.statusCode() == 404 || service.statusCode() == 416) ? null : service;
		}
		return (decisive instanceof S3InputStream.ObjectChangedException) ? null : decisive;
	}

	private static ArchiveStorageUnavailableException unavailable(String what, Throwable outage, Throwable failure) {
		return new ArchiveStorageUnavailableException(
				what + ": " + outage.getMessage() + "; S3 failed, so nothing was compared: run again once it answers",
				failure);
	}

}
