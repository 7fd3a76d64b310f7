package dev.healthscore.jobs.reconcile;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.healthscore.io.reconcile.FullCheck;
import dev.healthscore.io.score.CorrectionTally;
import dev.healthscore.io.score.ScoreChange.Kind;

/**
 * What a reconcile run found and did, as logged and written to the JSON report.
 *
 * @param jobExecutionId the job execution
 * @param from the first local day reconciled
 * @param to the last local day reconciled
 * @param mode {@code incremental} or {@code full}
 * @param dryRun whether nothing was written
 * @param upgradeVersion whether rows of older algorithm versions were rescored
 * @param changesAfter changes after this instant were looked at, or {@code null} for all
 * @param changesBasis how that instant was found
 * @param suspects how many (user, day) rows were suspect and scored again
 * @param suspectsByReason suspect rows by reason
 * @param fullCheck what the checksum comparison did, or {@code null} when incremental
 * @param fullCheckReadFrom where the full check computed its checksums ({@code replica}
 * or {@code primary}), or {@code null} when incremental
 * @param blocksRead how many blocks of users' suspect readings were read
 * @param blocksReadFromPrimary how many of them were read from the primary (no replica,
 * or the lag policy fell back to it)
 * @param unchanged suspect rows found accurate
 * @param refreshed accurate rows whose fingerprint was refreshed (not audited)
 * @param inserted missing rows inserted
 * @param updated inaccurate rows updated
 * @param deleted orphan rows deleted
 * @param corrected rows inserted, updated or deleted: one audit row each
 * @param correctionsByReason corrected rows by reason; a row with several counts under
 * each
 * @param scoreDeltas corrected rows by score delta (new minus old), or
 * {@code became_null}/{@code became_scored}, in delta order
 * @param oldestDayCorrected the oldest corrected day, or {@code null}
 * @param detectSeconds how long finding the suspects took
 * @param totalSeconds how long the run took up to its report
 */
record ReconcileReport(long jobExecutionId, LocalDate from, LocalDate to, String mode, boolean dryRun,
		boolean upgradeVersion, String changesAfter, String changesBasis, long suspects,
		Map<String, Long> suspectsByReason, FullCheck.Result fullCheck, String fullCheckReadFrom, long blocksRead,
		long blocksReadFromPrimary, long unchanged, long refreshed, long inserted, long updated, long deleted,
		long corrected, Map<String, Long> correctionsByReason, Map<String, Long> scoreDeltas,
		LocalDate oldestDayCorrected, double detectSeconds, double totalSeconds) {

	static ReconcileReport of(long jobExecutionId, ReconcileParameters run, DetectionSummary detection,
			CorrectionTally tally, long blocksRead, long blocksReadFromPrimary, double totalSeconds) {
		return new ReconcileReport(jobExecutionId, run.from(), run.to(), run.mode(), run.dryRun(), run.upgradeVersion(),
				detection.changesAfter(), detection.changesBasis(), detection.suspects(), detection.suspectsByReason(),
				detection.fullCheck(), detection.fullCheckReadFrom(), blocksRead, blocksReadFromPrimary,
				tally.count(Kind.NONE), tally.count(Kind.REFRESH), tally.count(Kind.INSERT), tally.count(Kind.UPDATE),
				tally.count(Kind.DELETE), tally.corrected(), new java.util.TreeMap<>(tally.reasons()),
				inDeltaOrder(tally.deltas()), tally.oldestCorrected(), detection.seconds(), totalSeconds);
	}

	private static Map<String, Long> inDeltaOrder(Map<String, Long> deltas) {
		List<String> keys = new ArrayList<>(deltas.keySet());
		keys.sort((a, b) -> Double.compare(order(a), order(b)));
		Map<String, Long> ordered = new LinkedHashMap<>();
		keys.forEach((key) -> ordered.put(key, deltas.get(key)));
		return ordered;
	}

	private static double order(String delta) {
		return switch (delta) {
			case CorrectionTally.BECAME_NULL -> Double.NEGATIVE_INFINITY;
			case CorrectionTally.BECAME_SCORED -> Double.POSITIVE_INFINITY;
			default -> Integer.parseInt(delta);
		};
	}

	/** The report as log lines. */
	List<String> lines() {
		List<String> lines = new ArrayList<>();
		lines.add(String.format(Locale.ROOT, "reconcile %d %s..%s (%s%s%s) in %.2f s (detection %.2f s)",
				this.jobExecutionId, this.from, this.to, this.mode, this.dryRun ? ", dry run: nothing written" : "",
				this.upgradeVersion ? ", upgrading versions" : "", this.totalSeconds, this.detectSeconds));
		lines.add("  " + changes(this.changesAfter, this.changesBasis));
		if (this.fullCheck != null) {
			lines.add(String.format(Locale.ROOT,
					"  full check on the %s: %d segments, %d ranges compared, %d levels, %d differing ranges",
					this.fullCheckReadFrom, this.fullCheck.segments(), this.fullCheck.rangesCompared(),
					this.fullCheck.levels(), this.fullCheck.differingRanges()));
		}
		lines.add(String.format(Locale.ROOT, "  suspects' readings: %d blocks read, %d of them from the primary",
				this.blocksRead, this.blocksReadFromPrimary));
		lines.add(String.format(Locale.ROOT, "  suspects: %d %s", this.suspects, this.suspectsByReason));
		lines.add(String.format(Locale.ROOT,
				"  %s %d rows: %d inserted, %d updated, %d deleted; %d fingerprints refreshed, %d accurate",
				this.dryRun ? "would correct" : "corrected", this.corrected, this.inserted, this.updated, this.deleted,
				this.refreshed, this.unchanged));
		lines.add("  corrections by reason: %s".formatted(this.correctionsByReason));
		lines.add("  score deltas (new - old: rows): %s".formatted(this.scoreDeltas));
		lines.add("  oldest day corrected: %s"
			.formatted((this.oldestDayCorrected != null) ? this.oldestDayCorrected : "none"));
		return lines;
	}

	/**
	 * Which input changes a run looked at, as logged: those after an instant, or every
	 * one when no instant bounds them (no checkpoint: {@code changesAfter} is
	 * {@code null}).
	 * @param changesAfter the instant, or {@code null}
	 * @param basis how it was found
	 * @return the text
	 */
	static String changes(Object changesAfter, String basis) {
		return (changesAfter != null) ? "changes after %s: %s".formatted(changesAfter, basis)
				: "changes: every one (%s)".formatted(basis);
	}

}
