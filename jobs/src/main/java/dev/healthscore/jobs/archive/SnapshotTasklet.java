package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.ArchiveVerifier;
import dev.healthscore.io.archive.ContentChecksum;
import dev.healthscore.io.archive.PartitionExporter;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * The {@code archiveUsers} step: replaces the {@code app_user} snapshot that analysts
 * join archived scores with (time zone, step goal), then reads it back. It is not
 * compared with the live table, which may change meanwhile; nothing is deleted on its
 * account.
 */
final class SnapshotTasklet implements Tasklet {

	private final DataSource dataSource;

	private final PartitionExporter exporter;

	private final ArchiveVerifier verifier;

	SnapshotTasklet(DataSource dataSource, S3Client s3, ArchiveSettings settings) {
		this.dataSource = dataSource;
		this.exporter = new PartitionExporter(s3, settings);
		this.verifier = new ArchiveVerifier(s3);
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
		ArchiveManifest manifest;
		try (Connection connection = this.dataSource.getConnection()) {
			manifest = this.exporter.exportSnapshot(connection, ArchiveTable.APP_USER,
					contribution.getStepExecution().getJobExecutionId());
		}
		List<String> problems = new ArrayList<>();
		ContentChecksum read = this.verifier.readBack(manifest, problems);
		if (!problems.isEmpty() || !read.equals(manifest.contentChecksum())) {
			throw new IllegalStateException("Snapshot " + manifest.location() + " does not read back as written: "
					+ read + " read, " + manifest.contentChecksum() + " written; " + problems);
		}
		contribution.incrementWriteCount(manifest.rows());
		return RepeatStatus.FINISHED;
	}

}
