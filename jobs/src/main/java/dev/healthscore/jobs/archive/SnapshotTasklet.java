package dev.healthscore.jobs.archive;

import java.sql.Statement;
import java.time.Clock;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.ArchiveVerification;
import dev.healthscore.io.archive.ArchiveVerifier;
import dev.healthscore.io.archive.PartitionExporter;
import dev.healthscore.io.jdbc.ReadOnlyTransaction;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * The {@code archiveUsers} step: replaces the {@code app_user} snapshot that analysts
 * join archived scores with (time zone, step goal), then reads it back and compares it
 * with the table by SQL, in the same repeatable-read transaction as the export so that
 * users changing meanwhile do not count, and writes its manifest again, verified. Nothing
 * is deleted on its account.
 */
final class SnapshotTasklet implements Tasklet {

	private final DataSource dataSource;

	private final PartitionExporter exporter;

	private final ArchiveVerifier verifier;

	private final ArchiveManifests manifests;

	private final ArchiveSettings settings;

	private final Clock clock;

	SnapshotTasklet(DataSource dataSource, S3Client s3, ArchiveSettings settings, Clock clock) {
		this.dataSource = dataSource;
		this.clock = clock;
		this.exporter = new PartitionExporter(s3, settings);
		this.verifier = new ArchiveVerifier(s3);
		this.manifests = new ArchiveManifests(s3, settings.layout());
		this.settings = settings;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
		Long jobExecutionId = contribution.getStepExecution().getJobExecutionId();
		Exported exported = ReadOnlyTransaction.run(this.dataSource, (connection) -> {
			try (Statement statement = connection.createStatement()) {
				statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
			}
			ArchiveManifest manifest = this.exporter.exportSnapshot(connection, ArchiveTable.APP_USER, jobExecutionId);
			return new Exported(manifest, this.verifier.verify(connection, manifest));
		});
		if (!exported.verification().matches()) {
			throw new IllegalStateException("Snapshot " + exported.manifest().location()
					+ " does not match app_user as exported: " + exported.verification().problems());
		}
		this.manifests.write(exported.manifest().verified(exported.verification(), this.clock.instant()),
				this.settings.encryption());
		contribution.incrementWriteCount(exported.manifest().rows());
		return RepeatStatus.FINISHED;
	}

	private record Exported(ArchiveManifest manifest, ArchiveVerification verification) {

	}

}
