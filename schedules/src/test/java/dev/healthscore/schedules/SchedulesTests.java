package dev.healthscore.schedules;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SchedulesTests {

	private final Schedules schedules = Schedules.defaults();

	@Test
	void catalogueHasTheNightlyChainAndTheMaintenanceSchedules() {
		assertThat(this.schedules.names()).containsExactly("nightly", "partitions-daily", "archive-monthly");
		assertThat(this.schedules.definitions()).allSatisfy((schedule) -> {
			assertThat(schedule.timeZone()).isEqualTo(ZoneId.of("UTC"));
			assertThat(CronExpressions.requireCanonical(schedule.cron())).isEqualTo(schedule.cron());
			assertThat(schedule.misfirePolicy()).isEqualTo(MisfirePolicy.FIRE_ONCE_NOW);
		});
	}

	@Test
	void nightlyRunsReconcileOnlyAfterRecompute() {
		ScheduleDefinition nightly = this.schedules.named(Schedules.NIGHTLY);
		assertThat(nightly.isChain()).isTrue();
		assertThat(nightly.steps()).extracting(JobStep::job).containsExactly("recompute", "reconcile");
		assertThat(nightly.after("reconcile")).contains(JobStep.of("recompute", "days-back", "2"));
		assertThat(nightly.after("recompute")).isEmpty();
		assertThat(nightly.summary())
			.isEqualTo("nightly at '0 0 2 * * ?' UTC: recompute --days-back=2, then reconcile --days-back=30");
	}

	@Test
	void everyScheduledJobExceptRestoreIsScheduled() {
		assertThat(this.schedules.definitions()).flatExtracting(ScheduleDefinition::steps)
			.extracting(JobStep::job)
			.containsExactlyInAnyOrder("recompute", "reconcile", "partitions", "archive");
	}

	@Test
	void maintenanceSchedulesRunOneJobEach() {
		assertThat(this.schedules.named(Schedules.PARTITIONS_DAILY).steps())
			.containsExactly(JobStep.of("partitions", "months-ahead", "3"));
		assertThat(this.schedules.named(Schedules.ARCHIVE_MONTHLY).steps())
			.containsExactly(JobStep.of("archive", "hot-months", "13"));
	}

	@Test
	void unknownScheduleNamesTheKnownOnes() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.schedules.named("weekly"))
			.withMessage("Unknown schedule 'weekly', expected one of [nightly, partitions-daily, archive-monthly]");
	}

	@Test
	void rejectsDuplicateNames() {
		ScheduleDefinition a = schedule("a", JobStep.of("partitions"));
		assertThatIllegalArgumentException().isThrownBy(() -> new Schedules(List.of(a, a)))
			.withMessage("Duplicate schedule name 'a'");
	}

	@Test
	void rejectsChainNamedLikeAJob() {
		ScheduleDefinition chain = schedule("recompute", JobStep.of("recompute"), JobStep.of("reconcile"));
		assertThatIllegalArgumentException().isThrownBy(() -> new Schedules(List.of(chain)))
			.withMessage(
					"Invalid name 'recompute' of a chain, it must not be a job name or 'run recompute' would be ambiguous");
	}

	@Test
	void rejectsUnknownJobs() {
		assertThatIllegalArgumentException().isThrownBy(() -> JobStep.of("vacuum"))
			.withMessage("Unknown job 'vacuum', expected one of [recompute, reconcile, archive, restore, partitions]");
	}

	@Test
	void rejectsReservedAndMalformedParameters() {
		assertThatIllegalArgumentException().isThrownBy(() -> JobStep.of("recompute", "scheduled-time", "x"))
			.withMessage("Parameter 'scheduled-time' of job 'recompute' is reserved, the schedulers set it");
		assertThatIllegalArgumentException().isThrownBy(() -> JobStep.of("recompute", "daysBack", "2"))
			.withMessage("Invalid parameter name 'daysBack' of job 'recompute', expected kebab-case");
		assertThatIllegalArgumentException().isThrownBy(() -> JobStep.of("recompute", "days-back", "2 3"))
			.withMessage("Invalid value '2 3' of parameter 'days-back' of job 'recompute', expected no blanks");
		assertThatIllegalArgumentException().isThrownBy(() -> JobStep.of("recompute", "days-back"))
			.withMessage("Parameters of job 'recompute' must come in name-value pairs, got 1 strings");
	}

	@Test
	void rejectsInvalidDefinitions() {
		assertThatIllegalArgumentException().isThrownBy(() -> schedule("Nightly", JobStep.of("recompute")))
			.withMessage("Invalid schedule name 'Nightly', expected kebab-case of at most 64 characters");
		assertThatIllegalArgumentException().isThrownBy(() -> schedule("a"))
			.withMessage("Schedule 'a' has no steps, expected at least one job");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> schedule("a", JobStep.of("recompute"), JobStep.of("recompute")))
			.withMessage("Schedule 'a' runs a job twice: [recompute, recompute]");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ScheduleDefinition("a", "0 0 2 * *", ZoneId.of("UTC"), MisfirePolicy.SKIP,
					List.of(JobStep.of("recompute"))))
			.withMessageStartingWith("Invalid cron expression, expected 6 fields");
	}

	@Test
	void parametersAreSortedAndRenderedAsArguments() {
		JobStep step = new JobStep("recompute", Map.of("to", "2025-01-31", "from", "2025-01-01"));
		assertThat(step.arguments()).containsExactly("--from=2025-01-01", "--to=2025-01-31");
		assertThat(step).hasToString("recompute --from=2025-01-01 --to=2025-01-31");
	}

	/**
	 * EventBridge Scheduler takes time zones by their IANA name and refuses a schedule in
	 * any other when the stack is deployed; Quartz would take the prefixed offsets, but
	 * reads {@code UTC+01:00} as UTC (QuartzSchedulesTests). So a definition takes the
	 * region ids of the time zone database only.
	 */
	@Test
	void rejectsOffsetsAndPrefixedOffsetsForTimeZones() {
		for (ZoneId zone : List.of(ZoneId.of("UTC+01:00"), ZoneId.of("GMT+1"), ZoneId.of("UT-05:30"), ZoneId.of("UT"),
				ZoneOffset.ofHours(2), ZoneOffset.UTC)) {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> new ScheduleDefinition("a", "0 0 2 * * ?", zone, MisfirePolicy.SKIP,
						List.of(JobStep.of("recompute"))))
				.withMessage("Invalid time zone '" + zone.getId()
						+ "' of schedule 'a', expected an IANA time zone name such as UTC or Europe/Paris, not an offset");
		}
	}

	@Test
	void takesTheIanaNamesOfTimeZones() {
		for (String zone : List.of("UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+1")) {
			assertThat(new ScheduleDefinition("a", "0 0 2 * * ?", ZoneId.of(zone), MisfirePolicy.SKIP,
					List.of(JobStep.of("recompute")))
				.timeZone()
				.getId()).isEqualTo(zone);
		}
	}

	private static ScheduleDefinition schedule(String name, JobStep... steps) {
		return new ScheduleDefinition(name, "0 0 2 * * ?", ZoneId.of("UTC"), MisfirePolicy.SKIP, List.of(steps));
	}

}
