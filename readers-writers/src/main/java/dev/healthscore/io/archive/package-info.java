/**
 * Moving monthly partitions between PostgreSQL and S3 as Parquet that Athena reads
 * (DESIGN.md section 6): the building blocks the {@code archive} and {@code restore} jobs
 * call, one verified step at a time.
 *
 * <ol>
 * <li>{@link dev.healthscore.io.archive.PartitionExporter#export} streams a partition by
 * binary {@code COPY}, sorted by user then time, into {@code part-NNNNN.parquet} files of
 * about {@link dev.healthscore.io.archive.ArchiveSettings#targetFileSize()} bytes under
 * deterministic keys ({@link dev.healthscore.io.archive.ArchiveLayout}), and writes a
 * {@link dev.healthscore.io.archive.ArchiveManifest} last. A rerun overwrites.</li>
 * <li>{@link dev.healthscore.io.archive.ArchiveVerifier#verify} reads every object back
 * from S3 and compares row count and checksum with the partition's, computed by SQL
 * ({@link dev.healthscore.io.archive.ChecksumSql}). Only a match allows detaching and
 * dropping the partition; that, and recording each step in the ledger, is the job's.</li>
 * <li>{@link dev.healthscore.io.archive.PartitionRestorer#restore} loads a month back
 * into an empty table or partition by binary {@code COPY} and checks it by SQL against
 * the manifest.</li>
 * </ol>
 *
 * The job records each step of each month in the
 * {@link dev.healthscore.io.archive.ArchiveLedger}
 * ({@link dev.healthscore.io.archive.ArchiveState}), with compare-and-set moves, and
 * detaches, drops and re-attaches partitions with
 * {@link dev.healthscore.io.archive.ArchivePartitions}.
 *
 * Timestamps are written twice, in milliseconds for Athena and in exact microseconds for
 * restore; see {@code sql/athena/README.md}.
 */
package dev.healthscore.io.archive;
