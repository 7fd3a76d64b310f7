package dev.healthscore.infra;

import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.healthscore.schedules.CronExpressions;
import dev.healthscore.schedules.JobStep;
import dev.healthscore.schedules.MisfirePolicy;
import dev.healthscore.schedules.RunCommand;
import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.Schedules;
import dev.healthscore.schedules.quartz.QuartzSchedules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quartz.CronExpression;
import org.quartz.CronTrigger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Quartz triggers and the synthesized EventBridge schedules come from one catalogue;
 * these tests show they agree on when, in which zone, what runs, and in what order.
 */
class ScheduleAgreementTests {

	private static final Schedules CATALOGUE = Schedules.defaults();

	private static final Instant SCHEDULED = Instant.parse("2025-06-02T02:00:00Z");

	private static Map<String, Map<String, Object>> eventBridge;

	@BeforeAll
	static void collectSchedules() {
		eventBridge = new java.util.TreeMap<>();
		SynthesizedStack.properties("AWS::Scheduler::Schedule")
			.values()
			.forEach((schedule) -> eventBridge.put((String) schedule.get("Name"), schedule));
	}

	@Test
	void everyCatalogueScheduleIsAnEventBridgeScheduleAndNothingElseIs() {
		assertThat(eventBridge.keySet()).containsExactlyInAnyOrderElementsOf(CATALOGUE.names());
		assertThat(eventBridge.values())
			.allSatisfy((schedule) -> assertThat(schedule).containsEntry("GroupName", JobSchedules.GROUP)
				.containsEntry("State", "ENABLED"));
	}

	@Test
	void quartzAndEventBridgeFireAtTheSameInstants() throws ParseException {
		for (ScheduleDefinition definition : CATALOGUE.definitions()) {
			CronTrigger trigger = QuartzSchedules.trigger(definition);
			Map<String, Object> schedule = eventBridge.get(definition.name());
			String expression = (String) schedule.get("ScheduleExpression");
			String zone = (String) schedule.get("ScheduleExpressionTimezone");
			assertThat(CronExpressions.toQuartz(expression)).isEqualTo(trigger.getCronExpression());
			assertThat(zone).isEqualTo(trigger.getTimeZone().getID());
			CronExpression eventBridgeCron = new CronExpression(CronExpressions.toQuartz(expression));
			eventBridgeCron.setTimeZone(TimeZone.getTimeZone(zone));
			// one start for both lists: a fire time must not fall between two clock reads
			Date start = Date.from(Instant.now().plusSeconds(60));
			assertThat(fireTimes(start, eventBridgeCron::getNextValidTimeAfter))
				.as("fire times of %s", definition.name())
				.isEqualTo(fireTimes(start, trigger::getFireTimeAfter));
		}
	}

	@Test
	void eventBridgeRunsWhatQuartzRuns() throws Exception {
		for (ScheduleDefinition definition : CATALOGUE.definitions()) {
			RunCommand command = RunCommand.parse(command(definition.name()), CATALOGUE);
			String quartzSchedule = QuartzSchedules.jobDetail(definition).getJobDataMap().getString("schedule");
			assertThat(command.steps()).isEqualTo(CATALOGUE.named(quartzSchedule).steps());
			assertThat(command.scheduledTime()).contains(SCHEDULED);
		}
	}

	/**
	 * Each schedule starts the task with the command line {@link RunCommand#of} makes,
	 * EventBridge's placeholder in it: the command lines that the application's parser is
	 * shown to accept (the jobs module's ScheduledCommandLinesTests).
	 */
	@Test
	void eventBridgeStartsTheCommandLineOfTheCatalogue() throws Exception {
		for (ScheduleDefinition definition : CATALOGUE.definitions()) {
			assertThat(command(definition.name(), false)).as(definition.name())
				.isEqualTo(RunCommand.of(definition, JobSchedules.SCHEDULED_TIME_PLACEHOLDER));
		}
	}

	@Test
	void nightlyChainRunsReconcileAfterRecomputeInOneTask() throws Exception {
		RunCommand nightly = RunCommand.parse(command(Schedules.NIGHTLY), CATALOGUE);
		assertThat(nightly.steps()).extracting(JobStep::job).containsExactly("recompute", "reconcile");
		// No schedule starts reconcile on its own clock, so it cannot overtake recompute.
		for (String name : eventBridge.keySet()) {
			if (!name.equals(Schedules.NIGHTLY)) {
				assertThat(RunCommand.parse(command(name), CATALOGUE).steps()).extracting(JobStep::job)
					.doesNotContain("recompute", "reconcile");
			}
		}
	}

	@Test
	@SuppressWarnings("unchecked")
	void missedRunsAreHandledAlikeByBothSchedulers() {
		for (ScheduleDefinition definition : CATALOGUE.definitions()) {
			Map<String, Object> retry = (Map<String, Object>) ((Map<String, Object>) eventBridge.get(definition.name())
				.get("Target")).get("RetryPolicy");
			int quartz = QuartzSchedules.trigger(definition).getMisfireInstruction();
			if (definition.misfirePolicy() == MisfirePolicy.FIRE_ONCE_NOW) {
				assertThat(quartz).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW);
				assertThat(retry).containsEntry("MaximumEventAgeInSeconds", 86400);
			}
			else {
				assertThat(quartz).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING);
				assertThat(retry).containsEntry("MaximumRetryAttempts", 0);
			}
		}
	}

	/**
	 * A scheduled run changes the task definition's command only: its environment, the
	 * JSON log format among it, is the task definition's (HealthScoreStackTests).
	 */
	@Test
	void aScheduledRunOverridesTheCommandOnlyNotTheEnvironment() throws Exception {
		for (String schedule : eventBridge.keySet()) {
			List<Map<String, Object>> containers = containerOverrides(schedule);
			assertThat(containers).as(schedule).hasSize(1);
			assertThat(containers.get(0).keySet()).as(schedule).containsExactlyInAnyOrder("name", "command");
		}
	}

	private static List<String> command(String schedule) throws Exception {
		return command(schedule, true);
	}

	/**
	 * The container command of a schedule, with EventBridge's placeholder replaced by
	 * {@link #SCHEDULED} as EventBridge does, or as synthesized.
	 */
	@SuppressWarnings("unchecked")
	private static List<String> command(String schedule, boolean fired) throws Exception {
		Map<String, Object> container = containerOverrides(schedule, fired).get(0);
		assertThat(container).containsEntry("name", ContainerEnvironment.CONTAINER_NAME);
		return (List<String>) container.get("command");
	}

	private static List<Map<String, Object>> containerOverrides(String schedule) throws Exception {
		return containerOverrides(schedule, true);
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> containerOverrides(String schedule, boolean fired) throws Exception {
		Map<String, Object> target = (Map<String, Object>) eventBridge.get(schedule).get("Target");
		String input = (String) target.get("Input");
		if (fired) {
			input = input.replace(JobSchedules.SCHEDULED_TIME_PLACEHOLDER, SCHEDULED.toString());
		}
		Map<String, List<Map<String, Object>>> overrides = new ObjectMapper().readValue(input, new TypeReference<>() {
		});
		assertThat(overrides.keySet()).as(schedule).containsExactly("containerOverrides");
		return overrides.get("containerOverrides");
	}

	/**
	 * The next 40 fire times after {@code start}, which must be later than the trigger's
	 * start time (when it was built): a trigger fires only after it.
	 */
	private static List<Instant> fireTimes(Date start, java.util.function.UnaryOperator<Date> next) {
		List<Instant> times = new ArrayList<>();
		Date time = start;
		for (int i = 0; i < 40; i++) {
			time = next.apply(time);
			times.add(time.toInstant());
		}
		return times;
	}

}
