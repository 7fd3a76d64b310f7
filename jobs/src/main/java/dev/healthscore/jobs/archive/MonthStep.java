package dev.healthscore.jobs.archive;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchiveState;

/**
 * The next step of a table month's archive, decided from its ledger state alone: what
 * {@link MonthArchiver} takes next, and what {@code run archive --dry-run} says a run
 * would, so that the two cannot disagree.
 *
 * @param kind what the step does
 * @param reaches the state the month is in once the step succeeded
 * @param due when the grace period of a detached month ends ({@link Kind#DROP} and
 * {@link Kind#KEEP}), otherwise null
 */
record MonthStep(Kind kind, ArchiveState reaches, Instant due) {

	/** What a step does. */
	enum Kind {

		/** Writes the month to S3 (again, over the same keys). */
		EXPORT,

		/** Reads the objects back and compares them with the partition. */
		VERIFY,

		/** Detaches the partition from its parent table. */
		DETACH,

		/**
		 * The grace period ended: compares once more and drops the partition; kept
		 * detached instead while the table's {@code DEFAULT} partition holds rows of the
		 * month, which {@link MonthArchiver} and the dry run find in the database.
		 */
		DROP,

		/** The grace period lasts: the detached partition is kept; the run stops here. */
		KEEP,

		/** A restored month named by {@code --rearchive} goes back to exporting. */
		ARCHIVE_AGAIN,

		/** The archive has nothing to do: dropped, restored or being restored. */
		NONE

	}

	/**
	 * Returns the next step of a month.
	 * @param state the month's state in the ledger
	 * @param detachedAt when it was detached, or null
	 * @param again whether a {@code RESTORED} month is archived again
	 * @param now the time of the decision
	 * @param gracePeriod how long a detached partition is kept
	 * @return the step
	 */
	static MonthStep next(ArchiveState state, Instant detachedAt, boolean again, Instant now, Duration gracePeriod) {
		return switch (state) {
			case EXPORTING -> new MonthStep(Kind.EXPORT, ArchiveState.EXPORTED, null);
			case EXPORTED -> new MonthStep(Kind.VERIFY, ArchiveState.VERIFIED, null);
			case VERIFIED -> new MonthStep(Kind.DETACH, ArchiveState.DETACHED, null);
			case DETACHED -> {
				Instant due = detachedAt.plus(gracePeriod);
				yield now.isBefore(due) ? new MonthStep(Kind.KEEP, ArchiveState.DETACHED, due)
						: new MonthStep(Kind.DROP, ArchiveState.DROPPED, due);
			}
			case RESTORED -> again ? new MonthStep(Kind.ARCHIVE_AGAIN, ArchiveState.EXPORTING, null)
					: new MonthStep(Kind.NONE, state, null);
			case DROPPED, RESTORING -> new MonthStep(Kind.NONE, state, null);
		};
	}

	/**
	 * Returns the steps a run takes a month through when each succeeds, as
	 * {@link MonthArchiver} takes them one {@link #next} after the other: a month the
	 * ledger has not seen starts {@code EXPORTING}, a detach happens at {@code now}. The
	 * last step is the one the run stops at ({@link Kind#KEEP} or {@link Kind#NONE}), or
	 * a {@link Kind#DROP}.
	 * @param entry the month's ledger entry, or null when it was never archived
	 * @param again whether a {@code RESTORED} month is archived again
	 * @param now the time of the run
	 * @param gracePeriod how long a detached partition is kept
	 * @return the steps, in order
	 */
	static List<MonthStep> steps(ArchiveLedgerEntry entry, boolean again, Instant now, Duration gracePeriod) {
		ArchiveState state = (entry != null) ? entry.state() : ArchiveState.EXPORTING;
		Instant detachedAt = (entry != null) ? entry.detachedAt() : null;
		List<MonthStep> steps = new ArrayList<>();
		while (true) {
			MonthStep step = next(state, detachedAt, again, now, gracePeriod);
			steps.add(step);
			if (step.kind() == Kind.KEEP || step.kind() == Kind.NONE || step.kind() == Kind.DROP) {
				return steps;
			}
			if (step.kind() == Kind.DETACH) {
				detachedAt = now;
			}
			state = step.reaches();
		}
	}

}
