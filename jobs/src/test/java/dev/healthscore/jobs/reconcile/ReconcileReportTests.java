package dev.healthscore.jobs.reconcile;

import java.time.LocalDate;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReconcileReportTests {

	@Test
	void aRunThatLookedAtEveryChangeAndCorrectedNothingSaysSoInsteadOfNull() {
		// the log read 'changes after null: …' and 'oldest day corrected: null'
		ReconcileReport report = report(null, null);
		assertThat(report.lines()).contains(
				"  changes: every one (no reconcile checkpoint and no score in the range: every reading counts)",
				"  oldest day corrected: none");
		assertThat(String.join("\n", report.lines())).doesNotContain("null");
	}

	@Test
	void aRunThatLookedAfterAnInstantAndCorrectedADayNamesThem() {
		ReconcileReport report = report("2026-11-20T02:10:00Z", LocalDate.parse("2026-11-18"));
		assertThat(report.lines()).contains("  changes after 2026-11-20T02:10:00Z: the last reconcile checkpoint",
				"  oldest day corrected: 2026-11-18");
	}

	private static ReconcileReport report(String changesAfter, LocalDate oldest) {
		String basis = (changesAfter != null) ? "the last reconcile checkpoint"
				: "no reconcile checkpoint and no score in the range: every reading counts";
		return new ReconcileReport(7, LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-26"), "incremental",
				false, false, changesAfter, basis, 0, Map.of(), null, null, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(),
				oldest, 0.1, 0.2);
	}

}
