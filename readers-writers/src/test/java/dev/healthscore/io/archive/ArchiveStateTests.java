package dev.healthscore.io.archive;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ArchiveStateTests {

	@Test
	void archiveMovesForwardOneStepAtATime() {
		assertThat(ArchiveState.EXPORTING.canMoveTo(ArchiveState.EXPORTED)).isTrue();
		assertThat(ArchiveState.EXPORTED.canMoveTo(ArchiveState.VERIFIED)).isTrue();
		assertThat(ArchiveState.VERIFIED.canMoveTo(ArchiveState.DETACHED)).isTrue();
		assertThat(ArchiveState.DETACHED.canMoveTo(ArchiveState.DROPPED)).isTrue();
		assertThat(ArchiveState.EXPORTING.canMoveTo(ArchiveState.VERIFIED)).isFalse();
		assertThat(ArchiveState.EXPORTED.canMoveTo(ArchiveState.DETACHED)).isFalse();
		assertThat(ArchiveState.VERIFIED.canMoveTo(ArchiveState.DROPPED)).isFalse();
	}

	@Test
	void aMismatchSendsTheMonthBackToExportingButNeverOnceDropped() {
		assertThat(ArchiveState.EXPORTED.canMoveTo(ArchiveState.EXPORTING)).isTrue();
		assertThat(ArchiveState.DETACHED.canMoveTo(ArchiveState.EXPORTING)).isTrue();
		assertThat(ArchiveState.DROPPED.canMoveTo(ArchiveState.EXPORTING)).isFalse();
	}

	@Test
	void onlyDetachedOrDroppedMonthsAreRestored() {
		assertThat(ArchiveState.values()).filteredOn((state) -> state.canMoveTo(ArchiveState.RESTORING))
			.containsExactly(ArchiveState.DETACHED, ArchiveState.DROPPED);
		assertThat(ArchiveState.RESTORING.canMoveTo(ArchiveState.RESTORED)).isTrue();
	}

	@Test
	void aRestoredMonthLeavesOnlyToBeExportedAgainWhichTheNightlyRunDoesNotDo() {
		assertThat(ArchiveState.values()).filteredOn((state) -> ArchiveState.RESTORED.canMoveTo(state))
			.containsExactly(ArchiveState.EXPORTING);
		assertThat(ArchiveState.RESTORED.archiving()).isFalse();
	}

	@Test
	void archivingStatesAreThoseTheArchiveJobResumes() {
		assertThat(ArchiveState.values()).filteredOn(ArchiveState::archiving)
			.containsExactly(ArchiveState.EXPORTING, ArchiveState.EXPORTED, ArchiveState.VERIFIED,
					ArchiveState.DETACHED);
	}

}
