package dev.healthscore.jobs.archive;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;

import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchiveState;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.jobs.archive.MonthStep.Kind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The steps a run takes a table month through, decided from its ledger state: what the
 * archive does, and what its dry run says it would.
 */
class MonthStepTests {

	private static final Instant NOW = Instant.parse("2026-03-15T12:00:00Z");

	private static final Duration GRACE = Duration.ofDays(7);

	@Test
	void aMonthNeverArchivedIsExportedVerifiedDetachedAndKeptForTheGracePeriodFromNow() {
		assertThat(kinds(null, false, GRACE)).containsExactly(Kind.EXPORT, Kind.VERIFY, Kind.DETACH, Kind.KEEP);
		assertThat(MonthStep.steps(null, false, NOW, GRACE)).last()
			.isEqualTo(new MonthStep(Kind.KEEP, ArchiveState.DETACHED, NOW.plus(GRACE)));
		assertThat(kinds(null, false, Duration.ZERO)).containsExactly(Kind.EXPORT, Kind.VERIFY, Kind.DETACH, Kind.DROP);
	}

	@Test
	void anInterruptedMonthResumesAfterItsLastRecordedStep() {
		assertThat(kinds(entry(ArchiveState.EXPORTING, null), false, GRACE)).containsExactly(Kind.EXPORT, Kind.VERIFY,
				Kind.DETACH, Kind.KEEP);
		assertThat(kinds(entry(ArchiveState.EXPORTED, null), false, GRACE)).containsExactly(Kind.VERIFY, Kind.DETACH,
				Kind.KEEP);
		assertThat(kinds(entry(ArchiveState.VERIFIED, null), false, GRACE)).containsExactly(Kind.DETACH, Kind.KEEP);
	}

	@Test
	void aDetachedMonthIsKeptUntilItsGracePeriodEndsThenDropped() {
		Instant detached = NOW.minus(Duration.ofDays(2));
		assertThat(MonthStep.steps(entry(ArchiveState.DETACHED, detached), false, NOW, GRACE))
			.containsExactly(new MonthStep(Kind.KEEP, ArchiveState.DETACHED, detached.plus(GRACE)));
		// due at this instant: dropped
		Instant due = NOW.minus(GRACE);
		assertThat(MonthStep.steps(entry(ArchiveState.DETACHED, due), false, NOW, GRACE))
			.containsExactly(new MonthStep(Kind.DROP, ArchiveState.DROPPED, NOW));
	}

	@Test
	void aRestoredMonthIsLeftUnlessNamedAndADroppedOneAlways() {
		assertThat(kinds(entry(ArchiveState.RESTORED, null), false, GRACE)).containsExactly(Kind.NONE);
		assertThat(kinds(entry(ArchiveState.RESTORED, null), true, GRACE)).containsExactly(Kind.ARCHIVE_AGAIN,
				Kind.EXPORT, Kind.VERIFY, Kind.DETACH, Kind.KEEP);
		// a restored month detached before keeps no detach time of its own: a new one
		assertThat(MonthStep.steps(entry(ArchiveState.RESTORED, NOW.minus(Duration.ofDays(30))), true, NOW, GRACE))
			.last()
			.isEqualTo(new MonthStep(Kind.KEEP, ArchiveState.DETACHED, NOW.plus(GRACE)));
		assertThat(kinds(entry(ArchiveState.DROPPED, NOW), true, GRACE)).containsExactly(Kind.NONE);
		assertThat(kinds(entry(ArchiveState.RESTORING, NOW), true, GRACE)).containsExactly(Kind.NONE);
	}

	private static List<Kind> kinds(ArchiveLedgerEntry entry, boolean again, Duration grace) {
		return MonthStep.steps(entry, again, NOW, grace).stream().map(MonthStep::kind).toList();
	}

	private static ArchiveLedgerEntry entry(ArchiveState state, Instant detachedAt) {
		return new ArchiveLedgerEntry(ArchiveTable.HEALTH_READING, YearMonth.of(2025, 1), "health_reading_2025_01",
				state, null, null, null, null, null, null, null, null, null, detachedAt, null, null, null);
	}

}
