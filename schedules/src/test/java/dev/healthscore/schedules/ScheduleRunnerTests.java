package dev.healthscore.schedules;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class ScheduleRunnerTests {

	private static final Instant SCHEDULED = Instant.parse("2025-01-31T02:00:00Z");

	private final ScheduleDefinition nightly = Schedules.defaults().named(Schedules.NIGHTLY);

	private final List<JobLaunch> launches = new ArrayList<>();

	@Test
	void runsTheStepsInOrderWithTheScheduledTime() throws Exception {
		RunOutcome outcome = new ScheduleRunner(record(RunOutcome.COMPLETED)).run(this.nightly, SCHEDULED);
		assertThat(outcome).isEqualTo(RunOutcome.COMPLETED);
		assertThat(this.launches).extracting(JobLaunch::job).containsExactly("recompute", "reconcile");
		assertThat(this.launches.get(0).arguments()).containsExactly("--days-back=2",
				"--scheduled-time=2025-01-31T02:00:00Z");
		assertThat(this.launches).extracting(JobLaunch::schedule).containsOnly("nightly");
	}

	@Test
	void reconcileDoesNotRunWhenRecomputeFails() throws Exception {
		RunOutcome outcome = new ScheduleRunner(record(RunOutcome.FAILED)).run(this.nightly, SCHEDULED);
		assertThat(outcome).isEqualTo(RunOutcome.FAILED);
		assertThat(this.launches).extracting(JobLaunch::job).containsExactly("recompute");
	}

	@Test
	void reconcileDoesNotRunWhileRecomputeIsStillRunning() throws Exception {
		RunOutcome outcome = new ScheduleRunner(record(RunOutcome.ALREADY_RUNNING)).run(this.nightly, SCHEDULED);
		assertThat(outcome).isEqualTo(RunOutcome.ALREADY_RUNNING);
		assertThat(this.launches).extracting(JobLaunch::job).containsExactly("recompute");
	}

	@Test
	void aStoppedRecomputeStopsTheChainAndItsOutcomeIsStopped() throws Exception {
		RunOutcome outcome = new ScheduleRunner(record(RunOutcome.STOPPED)).run(this.nightly, SCHEDULED);
		assertThat(outcome).isEqualTo(RunOutcome.STOPPED);
		assertThat(this.launches).extracting(JobLaunch::job).containsExactly("recompute");
	}

	@Test
	void reconcileDoesNotRunWhenRecomputeCannotBeLaunched() {
		ScheduledJobLauncher broken = (launch) -> {
			this.launches.add(launch);
			throw new IllegalStateException("Job repository is unavailable");
		};
		assertThatIllegalStateException().isThrownBy(() -> new ScheduleRunner(broken).run(this.nightly, SCHEDULED))
			.withMessage("Job repository is unavailable");
		assertThat(this.launches).extracting(JobLaunch::job).containsExactly("recompute");
	}

	private ScheduledJobLauncher record(RunOutcome outcome) {
		return (launch) -> {
			this.launches.add(launch);
			return outcome;
		};
	}

}
