package dev.healthscore.jobs.archive;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.YearMonth;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchivePartitions;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.ArchiveVerification;
import dev.healthscore.io.archive.ChecksumSql;
import dev.healthscore.io.archive.ContentChecksum;
import dev.healthscore.io.archive.PartitionRestorer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Brings an archived month back into PostgreSQL: a partition still detached is checked
 * against the archive's checksum and re-attached; a dropped one is loaded from S3 into a
 * new table, checked, and attached, all in one transaction. A run that stopped resumes
 * from what it finds.
 * <p>
 * What stands in the way ({@link RestoreObstacles}: a partition of a dropped month
 * created again, rows of the month in a {@code DEFAULT} partition) is looked for once, by
 * the check of {@code run restore} before the job starts
 * ({@link ArchivedMonthsPrecondition}); here only to explain a restore that failed. The
 * manifest is read and checked against the ledger before anything changes, and the moves
 * to {@code RESTORING} and on to {@code RESTORED} are made in the transaction that
 * restores: nothing leads out of {@code RESTORING} but {@code RESTORED}, and the archive
 * job leaves such a month alone, so a restore that fails must leave the month
 * {@code DETACHED} or {@code DROPPED}, from where both a new restore and the archive job
 * (which compares a detached month once more before it drops it) go on. A month left in
 * {@code RESTORING} by an earlier version is restored from there. A failure is recorded
 * in the ledger's {@code last_error}, with its causes.
 */
final class MonthRestorer {

	private static final Logger logger = LoggerFactory.getLogger(MonthRestorer.class);

	private final DataSource dataSource;

	private final ArchiveManifests manifests;

	private final PartitionRestorer restorer;

	private final ArchiveLedger ledger = new ArchiveLedger();

	private final ArchivePartitions partitions = new ArchivePartitions();

	private final RestoreObstacles obstacles = new RestoreObstacles();

	private final Clock clock;

	private final ArchiveStepListener listener;

	MonthRestorer(DataSource dataSource, S3Client s3, ArchiveSettings settings, Clock clock,
			ArchiveStepListener listener) {
		this.dataSource = dataSource;
		this.manifests = new ArchiveManifests(s3, settings.layout());
		this.restorer = new PartitionRestorer(s3);
		this.clock = clock;
		this.listener = listener;
	}

	/**
	 * Restores a month, or does nothing when it is restored already.
	 * @param table the table
	 * @param month the month
	 * @param jobExecutionId the job execution
	 * @return the rows the restored partition holds
	 */
	long restore(ArchiveTable table, YearMonth month, long jobExecutionId) throws Exception {
		String partition = table.partitionName(month);
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(true);
			if (!this.ledger.tryLock(connection, table, month)) {
				throw new IllegalStateException("Cannot restore " + partition + ": another run is working on it");
			}
			return this.ledger.holding(connection, table, month, () -> {
				ArchiveLedgerEntry entry = entry(connection, table, month);
				if (entry.state() == ArchiveState.RESTORED) {
					logger.info("Job execution {}: {} was restored already, at {}", jobExecutionId, partition,
							entry.restoredAt());
					return entry.rowCount();
				}
				ArchiveManifest manifest = manifest(entry);
				try {
					bringBack(connection, entry.state(), manifest, jobExecutionId);
				}
				catch (SQLException | IllegalStateException ex) {
					throw explained(connection, entry, ex);
				}
				this.listener.reached(table, month, ArchiveState.RESTORED);
				return manifest.rows();
			});
		}
	}

	/**
	 * Returns the month's entry, in a state a restore starts from: {@code DETACHED},
	 * {@code DROPPED}, {@code RESTORING} (left by an earlier version) or
	 * {@code RESTORED}.
	 */
	private ArchiveLedgerEntry entry(Connection connection, ArchiveTable table, YearMonth month) throws SQLException {
		ArchiveLedgerEntry entry = this.ledger.find(connection, table, month);
		if (entry == null) {
			throw new IllegalStateException(
					"Cannot restore " + table.partitionName(month) + ": the archive ledger has no entry for it");
		}
		if (!EnumSet.of(ArchiveState.DETACHED, ArchiveState.DROPPED, ArchiveState.RESTORING, ArchiveState.RESTORED)
			.contains(entry.state())) {
			throw new IllegalStateException(
					"Cannot restore " + table.partitionName(month) + ": it is not archived yet, the ledger says "
							+ entry.state() + " (restore takes DETACHED or DROPPED"
							+ " months; the next archive run carries this one on, or `status` shows its last error)");
		}
		return entry;
	}

	/**
	 * Returns what stands in the way of the restore that failed, with the failure as its
	 * cause, when something does now: what appeared after {@code run restore} looked
	 * before the job started (a row of the month written to the {@code DEFAULT} partition
	 * fails the {@code ATTACH}; a table created under the partition's name fails its
	 * creation, or its checksum when it is the one found), or what a restore called
	 * without that check meets, of which PostgreSQL's message or the checksum's alone
	 * does not say what to do; otherwise the failure itself.
	 */
	private Exception explained(Connection connection, ArchiveLedgerEntry entry, Exception failure) {
		try {
			String obstacle = this.obstacles.find(connection, entry.table(), entry.month(), entry.state());
			if (obstacle != null) {
				return new IllegalStateException("Cannot restore " + entry.partitionName() + ": " + obstacle, failure);
			}
		}
		catch (SQLException | RuntimeException ex) {
			failure.addSuppressed(ex);
		}
		return failure;
	}

	/**
	 * Reads the month's manifest and checks it before anything changes: it must describe
	 * the month, be verified, and hold the checksum the ledger recorded.
	 */
	private ArchiveManifest manifest(ArchiveLedgerEntry entry) {
		ArchiveManifest manifest = this.manifests.read(entry.table(), entry.month());
		if (manifest == null) {
			throw new IllegalStateException(
					"Cannot restore " + entry.partitionName() + ": no manifest in " + entry.s3Uri());
		}
		String foreign = this.manifests.mismatch(manifest, entry.table(), entry.month());
		if (foreign != null) {
			throw new IllegalStateException(
					"Cannot restore " + entry.partitionName() + ": " + foreign + "; put the month's own manifest back");
		}
		if (!manifest.verified()) {
			throw new IllegalStateException("Cannot restore " + entry.partitionName() + ": its manifest in "
					+ entry.s3Uri() + " was never verified; archive the month again");
		}
		if (!manifest.contentChecksum().equals(entry.contentChecksum())) {
			throw new IllegalStateException("Cannot restore " + entry.partitionName() + ": its manifest holds "
					+ manifest.contentChecksum() + ", the ledger recorded " + entry.contentChecksum());
		}
		return manifest;
	}

	/**
	 * Re-attaches or loads the month and moves it from {@code from} through
	 * {@code RESTORING} to {@code RESTORED}, all in one transaction: a failure rolls the
	 * ledger back to {@code from} with the rest (see the class description).
	 */
	private void bringBack(Connection connection, ArchiveState from, ArchiveManifest manifest, long jobExecutionId)
			throws Exception {
		ArchiveTable table = manifest.archiveTable();
		YearMonth month = manifest.yearMonth();
		ArchivePartitions.Status status = this.partitions.status(connection, table, month);
		if (status == ArchivePartitions.Status.DETACH_PENDING) {
			this.partitions.finishDetach(connection, table, month);
			status = ArchivePartitions.Status.DETACHED;
		}
		logger.info("Job execution {}: restoring {} from {} ({}), partition {}", jobExecutionId,
				table.partitionName(month), manifest.location(), manifest.contentChecksum(), status);
		ArchivePartitions.Status found = status;
		Phases phases = new Phases(table, month, jobExecutionId);
		Transactions.inTransaction(connection, () -> {
			if (from != ArchiveState.RESTORING) {
				this.ledger.move(connection, table, month, from, ArchiveState.RESTORING, this.clock.instant(),
						jobExecutionId);
			}
			switch (found) {
				case ATTACHED -> phases.time(RestorePhase.CHECKSUM, () -> checkContent(connection, manifest));
				case DETACHED -> {
					phases.time(RestorePhase.CHECKSUM, () -> checkContent(connection, manifest));
					phases.time(RestorePhase.ATTACH, () -> this.partitions.attach(connection, table, month));
				}
				case MISSING -> load(connection, manifest, phases);
				default -> throw new IllegalStateException("Unexpected partition status " + found);
			}
			this.ledger.move(connection, table, month, ArchiveState.RESTORING, ArchiveState.RESTORED,
					this.clock.instant(), jobExecutionId);
		});
		logger.info("Job execution {}: restored {}: {} rows in {} ms ({})", jobExecutionId, table.partitionName(month),
				manifest.rows(), phases.totalMillis(), phases);
	}

	private void load(Connection connection, ArchiveManifest manifest, Phases phases) throws Exception {
		ArchiveTable table = manifest.archiveTable();
		YearMonth month = manifest.yearMonth();
		String partition = table.partitionName(month);
		phases.time(RestorePhase.CREATE, () -> this.partitions.createDetached(connection, table, month));
		ContentChecksum[] loaded = new ContentChecksum[1];
		phases.time(RestorePhase.LOAD, () -> loaded[0] = this.restorer.load(connection, manifest, partition));
		ArchiveVerification[] verification = new ArchiveVerification[1];
		phases.time(RestorePhase.CHECKSUM,
				() -> verification[0] = this.restorer.check(connection, manifest, partition, loaded[0]));
		if (!verification[0].matches()) {
			throw new IllegalStateException("Cannot restore " + partition
					+ ": the loaded rows differ from the archive: " + verification[0].problems());
		}
		phases.time(RestorePhase.ATTACH, () -> this.partitions.attach(connection, table, month));
		// otherwise the planner guesses until autovacuum gets to the new table
		phases.time(RestorePhase.ANALYZE, () -> this.partitions.analyze(connection, table, month));
	}

	private static void checkContent(Connection connection, ArchiveManifest manifest) throws SQLException {
		ContentChecksum actual = ChecksumSql.compute(connection, manifest.archiveTable(), manifest.sourcePartition());
		if (!actual.equals(manifest.contentChecksum())) {
			throw new IllegalStateException("Cannot restore " + manifest.sourcePartition() + ": the table holds "
					+ actual + ", the archive " + manifest.contentChecksum()
					+ ": it was written to after it was archived, and dropping it would lose what differs. Compare it"
					+ " with the archive first; keep its rows by attaching it by hand, or save them elsewhere before"
					+ " dropping it to restore the archive's copy");
		}
	}

	/**
	 * Times the phases of one restore, logs each (one line at INFO) and tells the
	 * listener.
	 */
	private final class Phases {

		private final ArchiveTable table;

		private final YearMonth month;

		private final long jobExecutionId;

		private final Map<RestorePhase, Long> nanos = new EnumMap<>(RestorePhase.class);

		Phases(ArchiveTable table, YearMonth month, long jobExecutionId) {
			this.table = table;
			this.month = month;
			this.jobExecutionId = jobExecutionId;
		}

		void time(RestorePhase phase, Transactions.Work step) throws Exception {
			long started = System.nanoTime();
			step.run();
			long took = System.nanoTime() - started;
			this.nanos.merge(phase, took, Long::sum);
			logger.info("Job execution {}: restore of {}: {} took {} ms", this.jobExecutionId,
					this.table.partitionName(this.month), phase.name().toLowerCase(Locale.ROOT), took / 1_000_000);
			MonthRestorer.this.listener.restored(this.table, this.month, phase, took);
		}

		long totalMillis() {
			return this.nanos.values().stream().mapToLong(Long::longValue).sum() / 1_000_000;
		}

		@Override
		public String toString() {
			return this.nanos.entrySet()
				.stream()
				.map((entry) -> entry.getKey().name().toLowerCase(Locale.ROOT) + " " + entry.getValue() / 1_000_000
						+ " ms")
				.collect(Collectors.joining(", "));
		}

	}

}
