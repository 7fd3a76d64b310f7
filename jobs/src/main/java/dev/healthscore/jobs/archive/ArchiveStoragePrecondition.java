package dev.healthscore.jobs.archive;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import dev.healthscore.io.Causes;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.jobs.cli.RunPrecondition;
import dev.healthscore.jobs.cli.UsageException;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Refuses an {@code archive} or {@code restore} run whose storage settings the run would
 * fail on only once it used them: its S3 client cannot be made (no region found, a region
 * that cannot be right, the in-process server for a configured database), or, for
 * {@code archive}, its sort directory cannot be written. Checked before the run takes its
 * guard or starts a job execution, as a usage error, and by the {@code scheduler} as it
 * starts ({@link #checkSettings}); the other commands never look at these settings.
 */
@Component
// first: whatever the run's months are, it cannot run with these settings
@Order(Ordered.HIGHEST_PRECEDENCE)
class ArchiveStoragePrecondition implements RunPrecondition {

	private final ObjectProvider<S3Client> archiveS3Client;

	private final ArchiveProperties properties;

	private final ArchiveSettings settings;

	ArchiveStoragePrecondition(ObjectProvider<S3Client> archiveS3Client, ArchiveProperties properties,
			ArchiveSettings archiveSettings) {
		this.archiveS3Client = archiveS3Client;
		this.properties = properties;
		this.settings = archiveSettings;
	}

	@Override
	public void checkSettings(String job) {
		boolean archive = ArchiveJobConfiguration.JOB_NAME.equals(job);
		if (!archive && !RestoreJobConfiguration.JOB_NAME.equals(job)) {
			return;
		}
		try {
			// made as the run would make it; it is sent no request
			this.archiveS3Client.getObject();
		}
		catch (BeansException ex) {
			// what the configuration's code said (the setting, what to do), not which
			// beans it was making nor the SDK's list of the region providers it tried
			Throwable cause = Causes.find(ex, (failure) -> !(failure instanceof BeansException));
			String message = (cause != null && cause.getMessage() != null) ? cause.getMessage() : Causes.describe(ex);
			throw new UsageException("Cannot run " + job + ": " + message + "; nothing was started");
		}
		if (archive) {
			String problem = sortDirectoryProblem(this.settings.sortDirectory());
			if (problem != null) {
				throw new UsageException("Cannot run archive: " + describeSortDirectory() + ": " + problem
						+ ". Give healthscore.archive.sort-directory a directory this process can write to, where an"
						+ " export sorts a user with more than healthscore.archive.sort-buffer-rows="
						+ this.settings.sortBufferRows() + " rows; nothing was started");
			}
		}
	}

	private String describeSortDirectory() {
		return (this.properties.sortDirectory() != null)
				? "invalid healthscore.archive.sort-directory=" + this.properties.sortDirectory()
				: "invalid sort directory java.io.tmpdir=" + this.settings.sortDirectory()
						+ " (healthscore.archive.sort-directory is unset)";
	}

	/**
	 * Why an export could not write its sorted runs in a directory, or null when it can:
	 * the directory is there and writable, or missing and creatable (the export creates
	 * it when a user first needs it). Nothing is created.
	 * @param directory the sort directory
	 * @return the problem, or null
	 */
	static String sortDirectoryProblem(Path directory) {
		Path absolute = directory.toAbsolutePath();
		if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS) && !Files.exists(absolute)) {
			return "it is a symbolic link to nothing";
		}
		if (Files.exists(absolute)) {
			if (!Files.isDirectory(absolute)) {
				return "it is not a directory";
			}
			return writable(absolute) ? null : "this process cannot create files in it";
		}
		Path existing = absolute.getParent();
		while (existing != null && !Files.exists(existing)) {
			existing = existing.getParent();
		}
		if (existing == null || !Files.isDirectory(existing)) {
			return "it does not exist, and cannot be created: " + existing + " is not a directory";
		}
		return writable(existing) ? null
				: "it does not exist, and cannot be created: this process cannot create files in " + existing;
	}

	private static boolean writable(Path directory) {
		return Files.isWritable(directory) && Files.isExecutable(directory);
	}

}
