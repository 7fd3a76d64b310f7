package dev.healthscore.infra;

import java.util.List;
import java.util.Map;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.SnsTopic;
import software.amazon.awscdk.services.sns.Topic;
import software.constructs.Construct;

/**
 * Alarms on failed runs: a job task that stopped with a non-zero exit code or never
 * started, and a scheduled run EventBridge gave up starting.
 */
public class RunFailureAlarms extends Construct {

	private final Topic topic;

	private final Rule failedTasks;

	/**
	 * Creates the alarms and the topic they notify.
	 * @param scope the parent
	 * @param id the construct id
	 * @param task the job task
	 * @param schedules the schedules
	 */
	public RunFailureAlarms(Construct scope, String id, JobTask task, JobSchedules schedules) {
		super(scope, id);
		this.topic = Topic.Builder.create(this, "Topic").displayName("healthscore job failures").build();
		// The exit code says the job failed; a task that never started (image, secret,
		// capacity) has no exit code and a TaskFailedToStart stop code instead.
		this.failedTasks = Rule.Builder.create(this, "FailedTasks")
			.description("healthscore job tasks that failed or did not start")
			.eventPattern(EventPattern.builder()
				.source(List.of("aws.ecs"))
				.detailType(List.of("ECS Task State Change"))
				.detail(Map.of("clusterArn", List.of(task.cluster().getClusterArn()), "lastStatus", List.of("STOPPED"),
						"$or", List.of(
								Map.of("containers",
										Map.of("name", List.of(ContainerEnvironment.CONTAINER_NAME), "exitCode",
												List.of(Map.of("anything-but", List.of(0))))),
								Map.of("stopCode", List.of("TaskFailedToStart")))))
				.build())
			.targets(List.of(new SnsTopic(this.topic)))
			.build();
		Metric failed = Metric.Builder.create()
			.namespace("AWS/Events")
			.metricName("TriggeredRules")
			.dimensionsMap(Map.of("RuleName", this.failedTasks.getRuleName()))
			.statistic("Sum")
			.period(Duration.minutes(5))
			.build();
		alarm("FailedRunAlarm", "A healthscore job task failed or did not start", failed);
		alarm("DroppedRunAlarm", "EventBridge Scheduler gave up starting a healthscore job",
				schedules.group().metricDropped(MetricOptions.builder().period(Duration.minutes(5)).build()));
	}

	private void alarm(String id, String description, Metric metric) {
		Alarm.Builder.create(this, id)
			.alarmDescription(description)
			.metric(metric)
			.threshold(1)
			.comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
			.evaluationPeriods(1)
			.treatMissingData(TreatMissingData.NOT_BREACHING)
			.build()
			.addAlarmAction(new SnsAction(this.topic));
	}

	/**
	 * Returns the topic that failures are sent to; subscribe on-call to it.
	 * @return the topic
	 */
	public Topic topic() {
		return this.topic;
	}

}
