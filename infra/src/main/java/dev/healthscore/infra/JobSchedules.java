package dev.healthscore.infra;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.healthscore.schedules.CronExpressions;
import dev.healthscore.schedules.MisfirePolicy;
import dev.healthscore.schedules.RunCommand;
import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.Schedules;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.scheduler.CfnSchedule;
import software.amazon.awscdk.services.scheduler.ScheduleGroup;
import software.constructs.Construct;

/**
 * The EventBridge Scheduler schedules, one per catalogue entry, each starting the job
 * task with the schedule's command.
 *
 * <p>
 * A chain such as {@code nightly} is one schedule whose task runs {@code run nightly}:
 * the application runs the chain's steps in order inside that one task, exactly as the
 * Quartz scheduler does, so EventBridge needs no notion of "after" (no Step Functions, no
 * rule on task state changes) and the order cannot drift between the two schedulers.
 */
public class JobSchedules extends Construct {

	/** Name of the schedule group. */
	public static final String GROUP = "healthscore";

	/** EventBridge's placeholder for the scheduled time, replaced on every invocation. */
	public static final String SCHEDULED_TIME_PLACEHOLDER = "<aws.scheduler.scheduled-time>";

	/** ECS task group prefix; the task group names the schedule in task events. */
	public static final String TASK_GROUP_PREFIX = "healthscore:";

	private final ScheduleGroup group;

	/**
	 * Creates a schedule per catalogue entry.
	 * @param scope the parent
	 * @param id the construct id
	 * @param schedules the catalogue
	 * @param task the task to start
	 */
	public JobSchedules(Construct scope, String id, Schedules schedules, JobTask task) {
		super(scope, id);
		this.group = ScheduleGroup.Builder.create(this, "Group").scheduleGroupName(GROUP).build();
		Role role = Role.Builder.create(this, "Role")
			.description("Lets EventBridge Scheduler start the healthscore job task")
			.assumedBy(new ServicePrincipal("scheduler.amazonaws.com")
				.withConditions(Map.of("StringEquals", Map.of("aws:SourceAccount", Stack.of(this).getAccount()))))
			.build();
		role.addToPolicy(PolicyStatement.Builder.create()
			.sid("RunJobTask")
			.actions(List.of("ecs:RunTask"))
			.resources(List.of(task.taskDefinition().getTaskDefinitionArn()))
			.conditions(Map.of("ArnEquals", Map.of("ecs:cluster", task.cluster().getClusterArn())))
			.build());
		task.taskDefinition().getTaskRole().grantPassRole(role);
		task.taskDefinition().obtainExecutionRole().grantPassRole(role);
		List<String> subnets = task.vpc().getPrivateSubnets().stream().map(ISubnet::getSubnetId).toList();
		for (ScheduleDefinition schedule : schedules.definitions()) {
			CfnSchedule.Builder.create(this, "Schedule-" + schedule.name())
				.name(schedule.name())
				.groupName(this.group.getScheduleGroupName())
				.description(schedule.summary())
				.scheduleExpression(CronExpressions.toEventBridge(schedule.cron()))
				.scheduleExpressionTimezone(schedule.timeZone().getId())
				.flexibleTimeWindow(CfnSchedule.FlexibleTimeWindowProperty.builder().mode("OFF").build())
				.state("ENABLED")
				.target(CfnSchedule.TargetProperty.builder()
					.arn(task.cluster().getClusterArn())
					.roleArn(role.getRoleArn())
					.input(containerOverrides(RunCommand.of(schedule, SCHEDULED_TIME_PLACEHOLDER)))
					.retryPolicy(retryPolicy(schedule.misfirePolicy()))
					.ecsParameters(CfnSchedule.EcsParametersProperty.builder()
						.taskDefinitionArn(task.taskDefinition().getTaskDefinitionArn())
						.launchType("FARGATE")
						.platformVersion("LATEST")
						.taskCount(1)
						.group(TASK_GROUP_PREFIX + schedule.name())
						.networkConfiguration(CfnSchedule.NetworkConfigurationProperty.builder()
							.awsvpcConfiguration(CfnSchedule.AwsVpcConfigurationProperty.builder()
								.subnets(subnets)
								.securityGroups(List.of(task.securityGroup().getSecurityGroupId()))
								.assignPublicIp("DISABLED")
								.build())
							.build())
						.build())
					.build())
				.build();
		}
	}

	/**
	 * Returns how EventBridge retries starting a task, for a misfire policy. EventBridge
	 * retries only a failed start, never a task that ran and failed.
	 * @param policy the misfire policy
	 * @return up to a day of retries to fire once late, or none to skip
	 */
	public static CfnSchedule.RetryPolicyProperty retryPolicy(MisfirePolicy policy) {
		return switch (policy) {
			case FIRE_ONCE_NOW -> CfnSchedule.RetryPolicyProperty.builder()
				.maximumEventAgeInSeconds(24 * 60 * 60)
				.maximumRetryAttempts(185)
				.build();
			case SKIP ->
				CfnSchedule.RetryPolicyProperty.builder().maximumEventAgeInSeconds(60).maximumRetryAttempts(0).build();
		};
	}

	/**
	 * Returns the RunTask overrides, as EventBridge's target input, that run a command in
	 * the job container.
	 * @param command the container command
	 * @return the JSON input
	 */
	public static String containerOverrides(List<String> command) {
		return "{\"containerOverrides\":[{\"name\":" + json(ContainerEnvironment.CONTAINER_NAME) + ",\"command\":["
				+ command.stream().map(JobSchedules::json).collect(Collectors.joining(",")) + "]}]}";
	}

	private static String json(String value) {
		StringBuilder json = new StringBuilder("\"");
		for (char c : value.toCharArray()) {
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				default -> {
					if (c < 0x20) {
						json.append("\\u%04x".formatted((int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		return json.append('"').toString();
	}

	/**
	 * Returns the schedule group.
	 * @return the group
	 */
	public ScheduleGroup group() {
		return this.group;
	}

}
