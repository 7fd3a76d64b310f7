package dev.healthscore.schedules.quartz;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessInstanceIdGeneratorTests {

	@Test
	void idsOfNodesStartedInTheSameMillisecondOnOneHostDiffer() {
		assertThat(ProcessInstanceIdGenerator.instanceId("vm", 101, 1795695572912L))
			.isNotEqualTo(ProcessInstanceIdGenerator.instanceId("vm", 102, 1795695572912L))
			.isEqualTo("vm-101-1795695572912");
	}

	@Test
	void idNamesThisHostAndProcess() throws Exception {
		assertThat(new ProcessInstanceIdGenerator().generateInstanceId())
			.matches(".+-" + ProcessHandle.current().pid() + "-\\d{13}");
	}

}
