package dev.healthscore.bench;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class BenchJobsTests {

	@Test
	void optionsBecomeTheParametersOfAScheduleStep() {
		assertThat(BenchJobs.parameters("--from=2025-04-02", "--to=2025-06-30", "--full", "--report=reports/full.json"))
			.isEqualTo(Map.of("from", "2025-04-02", "to", "2025-06-30", "full", "true", "report", "reports/full.json"));
	}

	@Test
	void aValueMayHoldAnEqualsSign() {
		assertThat(BenchJobs.parameters("--report=a=b.json")).isEqualTo(Map.of("report", "a=b.json"));
	}

	@Test
	void anArgumentThatIsNoOptionIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> BenchJobs.parameters("reconcile"))
			.withMessage("Not an option: reconcile");
		assertThatIllegalArgumentException().isThrownBy(() -> BenchJobs.parameters("--"));
	}

}
