package dev.healthscore.jobs.ops;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@link StatusReport} prints an execution's parameters.
 */
class StatusReportTests {

	@Test
	void parametersAreInAFixedOrderWithFlagsByTheirName() {
		assertThat(StatusReport.parameters(List.of("full=true", "to=2025-01-31", "report=r.json", "from=2025-01-01")))
			.isEqualTo("from=2025-01-01 to=2025-01-31 full report=r.json");
		assertThat(StatusReport.parameters(
				List.of("shard=1/4", "as-of=2025-03-02T02:00:00Z", "to=2025-03-01", "from=2025-02-28", "other=x")))
			.isEqualTo("from=2025-02-28 to=2025-03-01 as-of=2025-03-02T02:00:00Z shard=1/4 other=x");
		assertThat(StatusReport.parameters(List.of())).isEmpty();
	}

	@Test
	void aLongListOfUsersIsCutToItsFirstIdsAndCounted() {
		String users = LongStream.rangeClosed(1001, 1250).mapToObj(Long::toString).collect(Collectors.joining(","));
		assertThat(StatusReport.parameters(List.of("users=" + users, "from=2025-01-01", "to=2025-01-02")))
			.isEqualTo("from=2025-01-01 to=2025-01-02 users=1001,1002,1003,1004,1005,1006,1007,1008,… (250 users)");
	}

	@Test
	void aLineOfParametersIsAtMostAsWideAsAnExecutionsLine() {
		String line = "            " + StatusReport.parameters(List.of("from=2025-01-01", "to=2025-01-02",
				"report=/" + "very-long-folder-name/".repeat(10) + "report.json"));
		assertThat(line).hasSize(120).endsWith("…");
	}

}
