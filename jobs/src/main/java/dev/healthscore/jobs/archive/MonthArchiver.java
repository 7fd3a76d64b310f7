package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import dev.healthscore.io.Durations;
import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchivePartitions;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.io.archive.ArchiveVerification;
import dev.healthscore.io.archive.ArchiveVerifier;
import dev.healthscore.io.archive.ContentChecksum;
import dev.healthscore.io.archive.PartitionExporter;
import dev.healthscore.io.replica.ReadSource;
import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.io.replica.ReplicaReads;
import dev.healthscore.io.replica.WalPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Moves one table month through the archive's states, starting from the state the ledger
 * holds, so that a run that stopped after any step resumes with the next one: export to
 * S3, read back and compare (then write the manifest again with the checksums that
 * matched), detach, and after the grace period compare once more and drop.
 * <p>
 * The partition is read in bulk (exported, and checksummed by SQL for each comparison) on
 * the replica, once it has replayed the primary's WAL up to where it was when the step
 * began, or where the lag policy says; everything else happens on the primary. The last
 * comparison is made while the primary's partition is locked against writes, in the
 * transaction that drops it, so what is dropped is what was compared; in that transaction
 * a month whose rows the table's {@code DEFAULT} partition holds (written since the
 * detach, which no comparison reads) is kept detached instead, until they are gone.
 * <p>
 * A comparison that finds the copy different (or a manifest that describes another month)
 * sends the month back to {@code EXPORTING}; S3 failing to answer while the objects are
 * read back fails the run instead, the month left in its state for the next run to
 * compare again. Every failure is recorded in the ledger's {@code last_error}, with its
 * causes.
 */
final class MonthArchiver {

	private static final Logger logger = LoggerFactory.getLogger(MonthArchiver.class);

	private final DataSource dataSource;

	private final ArchiveSettings settings;

	private final PartitionExporter exporter;

	private final ArchiveVerifier verifier;

	private final ArchiveManifests manifests;

	private final ArchiveLedger ledger = new ArchiveLedger();

	private final ArchivePartitions partitions = new ArchivePartitions();

	private final Clock clock;

	private final Duration gracePeriod;

	private final ArchiveStepListener listener;

	private final ReplicaGate readSources;

	MonthArchiver(DataSource dataSource, ReplicaGate readSources, S3Client s3, ArchiveSettings settings, Clock clock,
			Duration gracePeriod, ArchiveStepListener listener) {
		this.dataSource = dataSource;
		this.readSources = readSources;
		this.settings = settings;
		this.exporter = new PartitionExporter(s3, settings);
		this.verifier = new ArchiveVerifier(s3);
		this.manifests = new ArchiveManifests(s3, settings.layout());
		this.clock = clock;
		this.gracePeriod = gracePeriod;
		this.listener = listener;
	}

	/**
	 * Takes a month as far as it can go in this run: to {@code DROPPED}, or to
	 * {@code DETACHED} while the grace period lasts.
	 * @param table the table
	 * @param month the month
	 * @param jobExecutionId the job execution
	 * @return the state reached, or null when another run holds the month
	 */
	ArchiveState archive(ArchiveTable table, YearMonth month, long jobExecutionId) throws Exception {
		return archive(table, month, jobExecutionId, false);
	}

	/**
	 * Takes a month as far as it can go in this run, as
	 * {@link #archive(ArchiveTable, YearMonth, long)}, and a restored month too when
	 * asked: it is exported again from its partition as it is now (over the same keys),
	 * verified, detached and later dropped.
	 * @param table the table
	 * @param month the month
	 * @param jobExecutionId the job execution
	 * @param again whether a {@code RESTORED} month is archived again
	 * @return the state reached, or null when another run holds the month
	 */
	ArchiveState archive(ArchiveTable table, YearMonth month, long jobExecutionId, boolean again) throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(true);
			if (!this.ledger.tryLock(connection, table, month)) {
				logger.warn("Job execution {}: skipped {} {}: another run is working on it", jobExecutionId,
						table.tableName(), month);
				return null;
			}
			Month work = new Month(connection, table, month, jobExecutionId);
			return this.ledger.holding(connection, table, month, () -> advance(work, again));
		}
	}

	/**
	 * Takes the month one {@link MonthStep#next step} after the other, as the ledger
	 * says, until it is kept detached or has nothing left to do.
	 */
	private ArchiveState advance(Month work, boolean again) throws Exception {
		if (this.ledger.begin(work.connection, work.table, work.month, work.jobExecutionId)) {
			this.listener.reached(work.table, work.month, ArchiveState.EXPORTING);
		}
		ArchiveLedgerEntry entry = entry(work);
		while (true) {
			MonthStep step = MonthStep.next(entry.state(), entry.detachedAt(), again, now(), this.gracePeriod);
			switch (step.kind()) {
				case EXPORT -> export(work);
				case VERIFY -> verify(work, entry);
				case DETACH -> detach(work);
				case DROP -> {
					if (!drop(work, entry)) {
						return entry.state();
					}
				}
				case ARCHIVE_AGAIN -> archiveAgain(work, entry);
				case KEEP -> {
					logger.info("Job execution {}: keeping {} detached until {} (grace period {})", work.jobExecutionId,
							work.partition(), step.due(), Durations.format(this.gracePeriod));
					return entry.state();
				}
				case NONE -> {
					return entry.state();
				}
			}
			this.listener.reached(work.table, work.month, step.reaches());
			entry = entry(work);
		}
	}

	private void archiveAgain(Month work, ArchiveLedgerEntry entry) throws SQLException {
		logger.info("Job execution {}: archiving {} {} again, restored at {}", work.jobExecutionId,
				work.table.tableName(), work.month, entry.restoredAt());
		this.ledger.archiveAgain(work.connection, work.table, work.month, work.jobExecutionId);
	}

	private void export(Month work) throws Exception {
		ArchiveManifest manifest = readPartition(work, "export",
				(connection) -> this.exporter.export(connection, work.table, work.month, work.jobExecutionId));
		this.ledger.exported(work.connection, manifest, work.jobExecutionId);
	}

	/**
	 * Reads the month back and compares it with the partition; when they match, writes
	 * the manifest again with their checksums, then records them in the ledger. A crash
	 * between the two leaves a verified manifest and the month {@code EXPORTED}: the next
	 * run verifies it once more, against the manifest's checksums too.
	 */
	private void verify(Month work, ArchiveLedgerEntry entry) throws Exception {
		Check check = readPartition(work, "comparison", (connection) -> readBack(work, entry, connection));
		if (!check.problems().isEmpty()) {
			exportAgain(work, ArchiveState.EXPORTED, check.problems());
		}
		Instant at = now();
		if (!check.manifest().verified()) {
			this.manifests.write(check.manifest().verified(check.verification(), at), this.settings.encryption());
		}
		this.ledger.verified(work.connection, work.table, work.month, check.verification().expected(), at,
				work.jobExecutionId);
	}

	private void detach(Month work) throws Exception {
		switch (this.partitions.status(work.connection, work.table, work.month)) {
			case ATTACHED -> this.partitions.detach(work.connection, work.table, work.month);
			case DETACH_PENDING -> this.partitions.finishDetach(work.connection, work.table, work.month);
			case DETACHED ->
				logger.info("Job execution {}: {} was already detached", work.jobExecutionId, work.partition());
			case MISSING -> throw new IllegalStateException(
					"Cannot detach " + work.partition() + ": it does not exist, yet the ledger says VERIFIED");
		}
		this.ledger.move(work.connection, work.table, work.month, ArchiveState.VERIFIED, ArchiveState.DETACHED, now(),
				work.jobExecutionId);
	}

	/**
	 * Drops a month whose grace period ended, once it compared equal one last time,
	 * unless the table's {@code DEFAULT} partition holds rows of the month (written since
	 * the detach): the month is then kept detached, with the reason in the ledger's
	 * {@code last_error}, until they are gone. Dropped, the month would be said to live
	 * in S3 while rows of it that no comparison read live in PostgreSQL; kept, its
	 * partition can still be re-attached with them (a restore) instead of loaded back
	 * from S3.
	 * @return whether it was dropped
	 */
	private boolean drop(Month work, ArchiveLedgerEntry entry) throws Exception {
		ArchivePartitions.Status status = this.partitions.status(work.connection, work.table, work.month);
		if (status != ArchivePartitions.Status.DETACHED) {
			throw new IllegalStateException("Cannot drop " + work.partition() + ": it is " + status
					+ ", yet the ledger says DETACHED; restore or fix it by hand");
		}
		// S3 objects can change in the grace period too, and so can a detached table:
		// compare once more, with writers to the partition kept waiting until it is
		// dropped
		List<String> problems = new ArrayList<>();
		List<String> held = new ArrayList<>();
		Transactions.inTransaction(work.connection, () -> {
			this.partitions.lockAgainstWrites(work.connection, work.table, work.month);
			String outside = rowsOutside(work);
			if (outside != null) {
				this.ledger.failed(work.connection, work.table, work.month, outside);
				held.add(outside);
				return;
			}
			problems.addAll(readPartition(work, "last comparison",
					(connection) -> readBack(work, entry, connection).problems()));
			if (problems.isEmpty()) {
				this.partitions.drop(work.connection, work.table, work.month);
				this.ledger.move(work.connection, work.table, work.month, ArchiveState.DETACHED, ArchiveState.DROPPED,
						now(), work.jobExecutionId);
			}
		});
		if (!held.isEmpty()) {
			logger.warn("Job execution {}: {}", work.jobExecutionId, held.get(0));
			return false;
		}
		if (!problems.isEmpty()) {
			exportAgain(work, ArchiveState.DETACHED, problems);
		}
		return true;
	}

	/**
	 * Says why a detached month is not dropped when the table's default partition holds
	 * rows of it, or returns null.
	 */
	private String rowsOutside(Month work) throws SQLException {
		String fallback = this.partitions.defaultPartition(work.connection, work.table);
		if (fallback == null) {
			return null;
		}
		long rows = this.partitions.count(work.connection, fallback,
				this.partitions.monthCondition(work.connection, work.table, work.month));
		if (rows == 0) {
			return null;
		}
		return ("Kept %s detached, not dropped: the DEFAULT partition %s holds %d rows of %s written since it was"
				+ " detached, which are not in the archive; it is dropped once they are moved into the month or"
				+ " deleted (the run's warning about them says how)")
			.formatted(work.partition(), fallback, rows, work.month);
	}

	/**
	 * Reads the month back from S3 and compares it with the partition (by SQL) and, once
	 * verified, with what the ledger recorded. A manifest in the month's folder that
	 * describes another table, month, partition or folder is a mismatch: what it
	 * describes is not compared, since a match would verify another partition than the
	 * one detached and dropped next.
	 * @throws dev.healthscore.io.archive.ArchiveStorageUnavailableException when S3
	 * failed to deliver the objects: nothing was compared, and the month keeps its state
	 */
	private Check readBack(Month work, ArchiveLedgerEntry entry, Connection connection) throws SQLException {
		ArchiveManifest manifest = this.manifests.read(work.table, work.month);
		if (manifest == null) {
			return new Check(null, null,
					List.of("Missing manifest " + this.settings.layout().manifest(work.table, work.month).uri()));
		}
		String foreign = this.manifests.mismatch(manifest, work.table, work.month);
		if (foreign != null) {
			return new Check(manifest, null, List.of(foreign));
		}
		ArchiveVerification verification = this.verifier.verify(connection, manifest);
		List<String> problems = new ArrayList<>(verification.problems());
		ContentChecksum recorded = entry.contentChecksum();
		if (recorded == null && entry.state() != ArchiveState.EXPORTED) {
			problems.add("The ledger recorded no checksum for " + work.partition() + " in state " + entry.state());
		}
		else if (recorded != null && !recorded.equals(manifest.contentChecksum())) {
			problems.add("Manifest holds " + ((manifest.verified()) ? manifest.contentChecksum() : "no checksum")
					+ ", the ledger recorded " + recorded);
		}
		return new Check(manifest, verification, problems);
	}

	/**
	 * Reads the month's partition where the {@link ReplicaGate} says: on the replica once
	 * it has replayed the primary's WAL up to now (what committed on the primary before
	 * this call is there), or on the month's own connection to the primary. A read that a
	 * recovery conflict cancelled, or whose replica connection was lost, is done again
	 * (where the lag policy then says): every read here can be (an export overwrites its
	 * objects).
	 * @param what what the read is, for the log
	 */
	private <T> T readPartition(Month work, String what, PartitionRead<T> read) throws Exception {
		WalPosition position = this.readSources.primaryPosition();
		return ReplicaReads.read(
				String.format(Locale.ROOT, "Job execution %d: %s of %s", work.jobExecutionId, what, work.partition()),
				() -> {
					ReadSource source = this.readSources.readSource(position);
					if (source.fromPrimary()) {
						return read.run(work.connection);
					}
					logger.info("Job execution {}: {} of {} reads the replica", work.jobExecutionId, what,
							work.partition());
					try (Connection replica = source.dataSource().getConnection()) {
						return read.run(replica);
					}
				});
	}

	private void exportAgain(Month work, ArchiveState from, List<String> problems) throws SQLException {
		String reason = String.join("; ", problems);
		this.ledger.exportAgain(work.connection, work.table, work.month, from, reason);
		throw new IllegalStateException("Archive of " + work.partition()
				+ " does not match its source; it will be exported again on the next run: " + reason);
	}

	private ArchiveLedgerEntry entry(Month work) throws SQLException {
		return this.ledger.find(work.connection, work.table, work.month);
	}

	private Instant now() {
		return this.clock.instant();
	}

	/** A read of a month's partition, on a connection to the primary or the replica. */
	@FunctionalInterface
	private interface PartitionRead<T> {

		T run(Connection connection) throws SQLException, IOException;

	}

	/** A read-back comparison: the manifest read, the verification, what differs. */
	private record Check(ArchiveManifest manifest, ArchiveVerification verification, List<String> problems) {

	}

	/** A month being worked on, with the connection that holds its lock. */
	private record Month(Connection connection, ArchiveTable table, YearMonth month, long jobExecutionId) {

		String partition() {
			return this.table.partitionName(this.month);
		}

	}

}
