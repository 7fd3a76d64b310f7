package dev.healthscore.infra;

import dev.healthscore.schedules.Schedules;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.constructs.Construct;

/**
 * The batch side of health scores on AWS: archive storage and its Athena tables, the job
 * task and its read replica, the schedules that start it, and the alarms on failed runs.
 */
public class HealthScoreStack extends Stack {

	/**
	 * Creates the stack.
	 * @param scope the app
	 * @param id the stack id
	 * @param stackProps the CDK stack properties (leave the environment unset for an
	 * environment-agnostic template)
	 * @param props what the stack needs to know about the account
	 * @param schedules the schedule catalogue
	 */
	public HealthScoreStack(Construct scope, String id, StackProps stackProps, HealthScoreStackProps props,
			Schedules schedules) {
		super(scope, id, stackProps);
		ArchiveStorage archive = new ArchiveStorage(this, "Archive", props);
		JobTask task = new JobTask(this, "Jobs", props, archive);
		JobSchedules jobSchedules = new JobSchedules(this, "Schedules", schedules, task);
		RunFailureAlarms alarms = new RunFailureAlarms(this, "Alarms", task, jobSchedules);
		output("ArchiveBucketName", archive.bucket().getBucketName());
		output("ClusterName", task.cluster().getClusterName());
		output("TaskDefinitionArn", task.taskDefinition().getTaskDefinitionArn());
		output("ReplicaEndpoint", task.replica().getDbInstanceEndpointAddress());
		output("FailureTopicArn", alarms.topic().getTopicArn());
	}

	private void output(String id, String value) {
		CfnOutput.Builder.create(this, id).value(value).build();
	}

}
