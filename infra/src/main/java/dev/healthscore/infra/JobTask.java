package dev.healthscore.infra;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupImportOptions;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.ContainerInsights;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.LinuxParameters;
import software.amazon.awscdk.services.ecs.LogDrivers;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.Secret;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.rds.DatabaseInstance;
import software.amazon.awscdk.services.rds.DatabaseInstanceAttributes;
import software.amazon.awscdk.services.rds.DatabaseInstanceReadReplica;
import software.amazon.awscdk.services.rds.DatabaseInstanceEngine;
import software.amazon.awscdk.services.rds.IDatabaseInstance;
import software.amazon.awscdk.services.rds.ParameterGroup;
import software.amazon.awscdk.services.rds.PostgresEngineVersion;
import software.amazon.awscdk.services.rds.PostgresInstanceEngineProps;
import software.amazon.awscdk.services.rds.StorageType;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.constructs.Construct;

/**
 * Where the jobs run: the ECS cluster, the Fargate task definition of the application
 * image with its log group and least-privilege roles, and the read replica it reads from.
 */
public class JobTask extends Construct {

	/** Log group of the job containers. */
	public static final String LOG_GROUP = "/healthscore/jobs";

	private final IVpc vpc;

	private final Cluster cluster;

	private final FargateTaskDefinition taskDefinition;

	private final SecurityGroup securityGroup;

	private final DatabaseInstanceReadReplica replica;

	/**
	 * Creates the task, its cluster and the replica.
	 * @param scope the parent
	 * @param id the construct id
	 * @param props the stack's properties
	 * @param archive the archive the task writes to
	 */
	public JobTask(Construct scope, String id, HealthScoreStackProps props, ArchiveStorage archive) {
		super(scope, id);
		this.vpc = Vpc.fromVpcAttributes(this, "Vpc",
				VpcAttributes.builder()
					.vpcId(props.vpcId())
					.availabilityZones(props.availabilityZones())
					.privateSubnetIds(props.privateSubnetIds())
					.build());
		this.cluster = Cluster.Builder.create(this, "Cluster")
			.vpc(this.vpc)
			.containerInsightsV2(ContainerInsights.ENABLED)
			.build();
		this.securityGroup = SecurityGroup.Builder.create(this, "TaskSecurityGroup")
			.vpc(this.vpc)
			.description("healthscore job tasks")
			.allowAllOutbound(true)
			.build();
		IDatabaseInstance primary = primary(props);
		primary.getConnections().allowDefaultPortFrom(this.securityGroup, "healthscore jobs to the primary");
		this.replica = replica(props, primary);
		LogGroup logGroup = LogGroup.Builder.create(this, "LogGroup")
			.logGroupName(LOG_GROUP)
			.retention(RetentionDays.THREE_MONTHS)
			.removalPolicy(RemovalPolicy.RETAIN)
			.build();
		this.taskDefinition = FargateTaskDefinition.Builder.create(this, "TaskDefinition")
			.family("healthscore-jobs")
			.cpu(1024)
			.memoryLimitMiB(4096)
			.build();
		ISecret secret = software.amazon.awscdk.services.secretsmanager.Secret.fromSecretNameV2(this, "DatabaseSecret",
				props.databaseSecretName());
		this.taskDefinition.addContainer(ContainerEnvironment.CONTAINER_NAME, ContainerDefinitionOptions.builder()
			.image(ContainerImage.fromEcrRepository(
					Repository.fromRepositoryName(this, "Repository", props.imageRepository()), props.imageTag()))
			.essential(true)
			// an init process as PID 1, the JVM its child: the kernel drops a signal sent
			// to a namespace's PID 1 from inside it unless PID 1 handles it, so the
			// image's
			// OnOutOfMemoryError kill of the JVM would be ignored (see the Dockerfile);
			// the init passes ECS's SIGTERM on to the JVM and exits with its exit code
			.linuxParameters(LinuxParameters.Builder.create(this, "LinuxParameters").initProcessEnabled(true).build())
			.logging(LogDrivers.awsLogs(AwsLogDriverProps.builder().logGroup(logGroup).streamPrefix("job").build()))
			.environment(new TreeMap<>(Map.of(ContainerEnvironment.PRIMARY_URL,
					props.jdbcUrl(props.databaseEndpoint(), String.valueOf(props.databasePort())),
					ContainerEnvironment.REPLICA_URL,
					props.jdbcUrl(this.replica.getDbInstanceEndpointAddress(),
							this.replica.getDbInstanceEndpointPort()),
					ContainerEnvironment.ARCHIVE_BUCKET, archive.bucket().getBucketName(),
					ContainerEnvironment.ARCHIVE_PREFIX, archive.prefix(), ContainerEnvironment.METRICS_CLOUDWATCH,
					"true", ContainerEnvironment.LOG_FORMAT, ContainerEnvironment.LOG_FORMAT_ECS)))
			.secrets(new TreeMap<>(
					Map.of(ContainerEnvironment.DB_USERNAME, Secret.fromSecretsManager(secret, "username"),
							ContainerEnvironment.DB_PASSWORD, Secret.fromSecretsManager(secret, "password"))))
			.build());
		grantArchive(archive);
		grantMetrics();
		if (props.databaseSecretKeyArn() != null) {
			grantSecretKey(props.databaseSecretKeyArn());
		}
	}

	/**
	 * Lets the execution role, which fetches the container's secrets when a task starts,
	 * decrypt a database secret encrypted with a customer managed key: through Secrets
	 * Manager only. Without it such a task never starts (ResourceInitializationError).
	 */
	private void grantSecretKey(String keyArn) {
		this.taskDefinition.obtainExecutionRole()
			.addToPrincipalPolicy(PolicyStatement.Builder.create()
				.sid("DatabaseSecretKey")
				.effect(Effect.ALLOW)
				.actions(List.of("kms:Decrypt"))
				.resources(List.of(keyArn))
				.conditions(Map.of("StringEquals",
						Map.of("kms:ViaService", "secretsmanager." + Stack.of(this).getRegion() + ".amazonaws.com")))
				.build());
	}

	private IDatabaseInstance primary(HealthScoreStackProps props) {
		return DatabaseInstance.fromDatabaseInstanceAttributes(this, "Primary", DatabaseInstanceAttributes.builder()
			.instanceIdentifier(props.databaseInstanceId())
			.instanceEndpointAddress(props.databaseEndpoint())
			.port(props.databasePort())
			.securityGroups(List.of(SecurityGroup.fromSecurityGroupId(this, "PrimarySecurityGroup",
					props.databaseSecurityGroupId(), SecurityGroupImportOptions.builder().mutable(true).build())))
			.build());
	}

	private DatabaseInstanceReadReplica replica(HealthScoreStackProps props, IDatabaseInstance primary) {
		SecurityGroup replicaSecurityGroup = SecurityGroup.Builder.create(this, "ReplicaSecurityGroup")
			.vpc(this.vpc)
			.description("healthscore read replica")
			.allowAllOutbound(false)
			.build();
		replicaSecurityGroup.addIngressRule(Peer.securityGroupId(this.securityGroup.getSecurityGroupId()),
				Port.tcp(props.databasePort()), "healthscore jobs to the replica");
		return DatabaseInstanceReadReplica.Builder.create(this, "Replica")
			.sourceDatabaseInstance(primary)
			.parameterGroup(replicaParameters(props))
			.instanceType(new InstanceType(props.replicaInstanceType()))
			.vpc(this.vpc)
			.vpcSubnets(SubnetSelection.builder().subnets(this.vpc.getPrivateSubnets()).build())
			.securityGroups(List.of(replicaSecurityGroup))
			.port(props.databasePort())
			.storageType(StorageType.GP3)
			.publiclyAccessible(false)
			.autoMinorVersionUpgrade(true)
			.deletionProtection(true)
			.removalPolicy(RemovalPolicy.SNAPSHOT)
			.build();
	}

	/**
	 * The replica's settings. The jobs run long queries there: the archive's export and
	 * checksums of a month, reconcile's full check. With {@code hot_standby_feedback} the
	 * primary keeps the rows those queries may still see until they end, instead of the
	 * replica cancelling them once {@code max_standby_streaming_delay} has passed (a
	 * cancelled read is retried, but a long one may be cancelled again); the cost is some
	 * bloat on the primary while they run.
	 */
	private ParameterGroup replicaParameters(HealthScoreStackProps props) {
		String major = props.databaseMajorVersion();
		return ParameterGroup.Builder.create(this, "ReplicaParameters")
			.engine(DatabaseInstanceEngine.postgres(
					PostgresInstanceEngineProps.builder().version(PostgresEngineVersion.of(major, major)).build()))
			.description("healthscore read replica: long batch reads")
			.parameters(Map.of("hot_standby_feedback", "1"))
			.build();
	}

	/** The CloudWatch namespace of the jobs' metrics (the application's default). */
	static final String METRICS_NAMESPACE = "HealthScore/Jobs";

	/**
	 * Lets the task read and write the archive prefix and nothing else of the bucket. The
	 * statements are written out rather than taken from {@code bucket.grantReadWrite},
	 * which would allow listing and reading the whole bucket; they grant the actions of
	 * the application's S3 calls and no other (S3ActionsAgreeWithTheCodeTests): no
	 * {@code s3:ListMultipartUploadParts}, as nothing lists an upload's parts (a
	 * multipart upload keeps its parts' ETags itself; an unfinished one is aborted
	 * whole).
	 */
	private void grantArchive(ArchiveStorage archive) {
		String prefix = archive.prefix();
		this.taskDefinition.addToTaskRolePolicy(PolicyStatement.Builder.create()
			.sid("ArchiveObjects")
			.effect(Effect.ALLOW)
			.actions(List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"))
			.resources(List.of(archive.bucket().arnForObjects(prefix + "/*")))
			.build());
		this.taskDefinition.addToTaskRolePolicy(PolicyStatement.Builder.create()
			.sid("ArchiveListing")
			.effect(Effect.ALLOW)
			.actions(List.of("s3:ListBucket"))
			.resources(List.of(archive.bucket().getBucketArn()))
			.conditions(Map.of("StringLike", Map.of("s3:prefix", List.of(prefix + "/*", prefix + "/"))))
			.build());
		// the archive aborts the uploads a killed export left in a month's folder before
		// exporting it again; the action takes no s3:prefix condition, so it lists the
		// unfinished uploads' keys of the whole bucket (names only: listing their parts
		// is granted nowhere)
		this.taskDefinition.addToTaskRolePolicy(PolicyStatement.Builder.create()
			.sid("ArchiveUnfinishedUploads")
			.effect(Effect.ALLOW)
			.actions(List.of("s3:ListBucketMultipartUploads"))
			.resources(List.of(archive.bucket().getBucketArn()))
			.build());
		this.taskDefinition.addToTaskRolePolicy(PolicyStatement.Builder.create()
			.sid("ArchiveKey")
			.effect(Effect.ALLOW)
			.actions(List.of("kms:GenerateDataKey", "kms:Decrypt"))
			.resources(List.of(archive.key().getKeyArn()))
			.build());
	}

	/**
	 * Lets the task publish its job metrics. PutMetricData has no resource-level
	 * permissions (AWS only accepts "*"), so the statement is limited by namespace
	 * instead.
	 */
	private void grantMetrics() {
		this.taskDefinition.addToTaskRolePolicy(PolicyStatement.Builder.create()
			.sid("JobMetrics")
			.effect(Effect.ALLOW)
			.actions(List.of("cloudwatch:PutMetricData"))
			.resources(List.of("*"))
			.conditions(Map.of("StringEquals", Map.of("cloudwatch:namespace", METRICS_NAMESPACE)))
			.build());
	}

	/**
	 * Returns the cluster the tasks run in.
	 * @return the cluster
	 */
	public Cluster cluster() {
		return this.cluster;
	}

	/**
	 * Returns the task definition.
	 * @return the Fargate task definition
	 */
	public FargateTaskDefinition taskDefinition() {
		return this.taskDefinition;
	}

	/**
	 * Returns the security group of the tasks.
	 * @return the security group
	 */
	public SecurityGroup securityGroup() {
		return this.securityGroup;
	}

	/**
	 * Returns the VPC the tasks run in.
	 * @return the imported VPC
	 */
	public IVpc vpc() {
		return this.vpc;
	}

	/**
	 * Returns the read replica.
	 * @return the replica
	 */
	public DatabaseInstanceReadReplica replica() {
		return this.replica;
	}

}
