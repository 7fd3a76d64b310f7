package dev.healthscore.infra;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

import static org.assertj.core.api.Assertions.assertThat;

class HealthScoreStackTests {

	private static Template template;

	@BeforeAll
	static void synthesize() {
		template = SynthesizedStack.template();
	}

	@Test
	void archiveBucketIsEncryptedWithKmsPrivateAndVersioned() {
		template.hasResourceProperties("AWS::S3::Bucket",
				Map.of("BucketEncryption",
						Map.of("ServerSideEncryptionConfiguration",
								List.of(Map.of("BucketKeyEnabled", true, "ServerSideEncryptionByDefault",
										Map.of("SSEAlgorithm", "aws:kms", "KMSMasterKeyID", Match.anyValue())))),
						"PublicAccessBlockConfiguration",
						Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true, "IgnorePublicAcls", true,
								"RestrictPublicBuckets", true),
						"VersioningConfiguration", Map.of("Status", "Enabled")));
		template.hasResourceProperties("AWS::KMS::Key", Map.of("EnableKeyRotation", true));
		template.hasResource("AWS::S3::Bucket", Map.of("DeletionPolicy", "Retain"));
	}

	@Test
	void archiveBucketRefusesPlainHttp() {
		Map<String, Object> denyHttp = Map.of("Effect", "Deny", "Action", "s3:*", "Condition",
				Map.of("Bool", Map.of("aws:SecureTransport", "false")));
		template.hasResourceProperties("AWS::S3::BucketPolicy",
				Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(denyHttp))))));
	}

	@Test
	void archiveMovesToInfrequentAccessAndIncompleteUploadsAreAborted() {
		template.hasResourceProperties("AWS::S3::Bucket",
				Map.of("LifecycleConfiguration",
						Map.of("Rules",
								Match.arrayWith(List.of(
										Match
											.objectLike(Map.of("Prefix", "archive/", "Status", "Enabled", "Transitions",
													List.of(Map.of("StorageClass", "STANDARD_IA", "TransitionInDays",
															30)))),
										Match.objectLike(Map.of("AbortIncompleteMultipartUpload",
												Map.of("DaysAfterInitiation", 7))))))));
	}

	@Test
	@SuppressWarnings("unchecked")
	void taskRunsTheImageWithCredentialsFromSecretsManager() {
		template.hasResourceProperties("AWS::ECS::TaskDefinition",
				Map.of("RequiresCompatibilities", List.of("FARGATE"), "Family", "healthscore-jobs"));
		Map<String, Object> container = ((List<Map<String, Object>>) SynthesizedStack.single("AWS::ECS::TaskDefinition")
			.get("ContainerDefinitions")).get(0);
		assertThat(container).containsEntry("Name", ContainerEnvironment.CONTAINER_NAME);
		assertThat(container.get("Image").toString()).contains("/healthscore:1.2.3");
		List<Map<String, Object>> secrets = (List<Map<String, Object>>) container.get("Secrets");
		assertThat(secrets).extracting((secret) -> secret.get("Name"))
			.containsExactlyInAnyOrder(ContainerEnvironment.DB_USERNAME, ContainerEnvironment.DB_PASSWORD);
		assertThat(secrets).extracting((secret) -> secret.get("ValueFrom").toString())
			.allSatisfy((valueFrom) -> assertThat(valueFrom).contains(":secret:healthscore/db:"));
	}

	/**
	 * The JVM is not the container's PID 1, whose signals from inside the container the
	 * kernel ignores unless it handles them: the image's JVM kills itself on an
	 * OutOfMemoryError (DockerfileTests), which as PID 1 it would not.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void everyContainerRunsAnInitProcessAsPid1() {
		SynthesizedStack.properties("AWS::ECS::TaskDefinition")
			.forEach((id,
					taskDefinition) -> assertThat(
							(List<Map<String, Object>>) taskDefinition.get("ContainerDefinitions"))
						.as(id)
						.isNotEmpty()
						.allSatisfy(
								(container) -> assertThat((Map<String, Object>) container.get("LinuxParameters")).as(id)
									.containsEntry("InitProcessEnabled", true)));
	}

	/**
	 * The task's variables, written out rather than taken from ContainerEnvironment's
	 * constants: the application reads them by these names (its application.properties
	 * maps HEALTHSCORE_DATASOURCE_* to spring.datasource.* and healthscore.replica.url,
	 * the others bind by relaxed binding; the jobs' UnknownSettingsTests and
	 * ReplicaConfigurationIntegrationTests use the same names), and a HEALTHSCORE_*
	 * variable it does not read stops every command with exit code 2. The region is not
	 * among them: ECS sets AWS_REGION in every task, which the archive's S3 client and
	 * the CloudWatch publisher read.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void theTaskSetsTheVariablesTheApplicationReadsByTheirNames() {
		Map<String, Object> container = ((List<Map<String, Object>>) SynthesizedStack.single("AWS::ECS::TaskDefinition")
			.get("ContainerDefinitions")).get(0);
		assertThat((List<Map<String, Object>>) container.get("Environment"))
			.extracting((variable) -> variable.get("Name"))
			.containsExactlyInAnyOrder("HEALTHSCORE_DATASOURCE_PRIMARY_URL", "HEALTHSCORE_DATASOURCE_REPLICA_URL",
					"HEALTHSCORE_ARCHIVE_BUCKET", "HEALTHSCORE_ARCHIVE_PREFIX",
					"HEALTHSCORE_METRICS_CLOUDWATCH_ENABLED", "LOGGING_STRUCTURED_FORMAT_CONSOLE");
		assertThat((List<Map<String, Object>>) container.get("Secrets")).extracting((variable) -> variable.get("Name"))
			.containsExactlyInAnyOrder("HEALTHSCORE_DATASOURCE_USERNAME", "HEALTHSCORE_DATASOURCE_PASSWORD");
	}

	@Test
	@SuppressWarnings("unchecked")
	void primaryAndReplicaAreSeparateEndpoints() {
		Map<String, Object> container = ((List<Map<String, Object>>) SynthesizedStack.single("AWS::ECS::TaskDefinition")
			.get("ContainerDefinitions")).get(0);
		Map<String, Object> environment = new java.util.HashMap<>();
		((List<Map<String, Object>>) container.get("Environment"))
			.forEach((variable) -> environment.put((String) variable.get("Name"), variable.get("Value")));
		assertThat(environment.get(ContainerEnvironment.PRIMARY_URL).toString())
			.startsWith("jdbc:postgresql://primary.db.example:5432/healthscore?");
		assertThat(environment.get(ContainerEnvironment.REPLICA_URL).toString()).contains("Endpoint.Address");
		assertThat(environment).containsKeys(ContainerEnvironment.ARCHIVE_BUCKET, ContainerEnvironment.ARCHIVE_PREFIX);
		assertThat(environment.toString()).doesNotContainIgnoringCase("password");
		Map<String, Object> replica = SynthesizedStack.single("AWS::RDS::DBInstance");
		assertThat(replica.get("SourceDBInstanceIdentifier").toString()).contains(":db:app-primary");
		assertThat(replica).containsEntry("PubliclyAccessible", false).containsEntry("DBInstanceClass", "db.r6g.large");
	}

	/**
	 * Without {@code sslmode} the PostgreSQL driver uses {@code prefer}: TLS if the
	 * server offers it, the server's certificate never checked, plain text if it does
	 * not. The tasks ask for TLS and check that the server is the host they named, signed
	 * by a CA of the bundle the image holds (DockerfileTests).
	 */
	@Test
	@SuppressWarnings("unchecked")
	void theTasksConnectOverTlsVerifyingTheServerAgainstTheRdsCaBundle() {
		Map<String, Object> container = ((List<Map<String, Object>>) SynthesizedStack.single("AWS::ECS::TaskDefinition")
			.get("ContainerDefinitions")).get(0);
		Map<String, Object> environment = new java.util.HashMap<>();
		((List<Map<String, Object>>) container.get("Environment"))
			.forEach((variable) -> environment.put((String) variable.get("Name"), variable.get("Value")));
		String tls = "?sslmode=verify-full&sslrootcert=/app/rds-ca-bundle.pem";
		assertThat(environment).containsEntry(ContainerEnvironment.PRIMARY_URL,
				"jdbc:postgresql://primary.db.example:5432/healthscore" + tls);
		// the replica's address and port are references: a join ending with the rest
		assertThat(environment.get(ContainerEnvironment.REPLICA_URL).toString()).contains("/healthscore" + tls + "]]}");
	}

	@Test
	void theReplicaKeepsItsLongBatchReadsFromBeingCancelledByReplay() {
		Map<String, Object> parameters = SynthesizedStack.single("AWS::RDS::DBParameterGroup");
		assertThat(parameters).containsEntry("Family", "postgres17")
			.containsEntry("Parameters", Map.of("hot_standby_feedback", "1"));
		assertThat(SynthesizedStack.single("AWS::RDS::DBInstance").get("DBParameterGroupName").toString())
			.contains("ReplicaParameters");
	}

	@Test
	void tasksMayReachThePrimaryAndTheReplicaOnTheDatabasePort() {
		template.hasResourceProperties("AWS::EC2::SecurityGroupIngress",
				Map.of("GroupId", "sg-0example", "FromPort", 5432, "ToPort", 5432));
		template.hasResourceProperties("AWS::EC2::SecurityGroup", Map.of("GroupDescription", "healthscore read replica",
				"SecurityGroupIngress", List.of(Match.objectLike(Map.of("FromPort", 5432)))));
	}

	@Test
	void jobLogsGoToTheirOwnLogGroup() {
		template.hasResourceProperties("AWS::Logs::LogGroup",
				Map.of("LogGroupName", JobTask.LOG_GROUP, "RetentionInDays", 90));
		template.hasResourceProperties("AWS::ECS::Cluster",
				Map.of("ClusterSettings", List.of(Map.of("Name", "containerInsights", "Value", "enabled"))));
	}

	/**
	 * Every container of every task definition logs JSON lines, whose fields hold the
	 * run's keys (job.execution.id, step.name), to the jobs' log group: Logs Insights
	 * filters one run's lines by them.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void everyTaskLogsStructuredJsonToTheJobsLogGroup() {
		Map<String, Map<String, Object>> taskDefinitions = SynthesizedStack.properties("AWS::ECS::TaskDefinition");
		assertThat(taskDefinitions).isNotEmpty();
		String logGroup = SynthesizedStack.properties("AWS::Logs::LogGroup")
			.entrySet()
			.stream()
			.filter((group) -> JobTask.LOG_GROUP.equals(group.getValue().get("LogGroupName")))
			.map(Map.Entry::getKey)
			.findFirst()
			.orElseThrow();
		taskDefinitions.forEach((id, taskDefinition) -> {
			List<Map<String, Object>> containers = (List<Map<String, Object>>) taskDefinition
				.get("ContainerDefinitions");
			assertThat(containers).as(id).isNotEmpty().allSatisfy((container) -> {
				assertThat((List<Map<String, Object>>) container.get("Environment")).as(id)
					.contains(Map.of("Name", ContainerEnvironment.LOG_FORMAT, "Value", "ecs"));
				Map<String, Object> logging = (Map<String, Object>) container.get("LogConfiguration");
				assertThat(logging).as(id).containsEntry("LogDriver", "awslogs");
				assertThat(((Map<String, Object>) logging.get("Options")).get("awslogs-group"))
					.isEqualTo(Map.of("Ref", logGroup));
			});
		});
	}

	/**
	 * The awslogs driver sends each line of the container's output as its own event as
	 * long as no multiline pattern or datetime format joins lines. Not every line is
	 * JSON: the JVM's "Picked up JAVA_TOOL_OPTIONS: …" on standard error at start (the
	 * image's options, DockerfileTests), a precondition's refusal (README, Logs). Each
	 * stays a plain event beside the JSON ones, which Logs Insights still splits into
	 * fields; a pattern would glue it to a JSON line, which then would not parse.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void everyLineTheContainerWritesIsItsOwnLogEvent() {
		SynthesizedStack.properties("AWS::ECS::TaskDefinition")
			.forEach((id, taskDefinition) -> assertThat(
					(List<Map<String, Object>>) taskDefinition.get("ContainerDefinitions"))
				.as(id)
				.allSatisfy((container) -> assertThat(
						((Map<String, Object>) ((Map<String, Object>) container.get("LogConfiguration")).get("Options"))
							.keySet())
					.as(id)
					.doesNotContain("awslogs-multiline-pattern", "awslogs-datetime-format")));
	}

	@Test
	void failedAndDroppedRunsRaiseAlarms() {
		template.hasResourceProperties("AWS::Events::Rule",
				Map.of("EventPattern",
						Map.of("source", List.of("aws.ecs"), "detail-type", List.of("ECS Task State Change"), "detail",
								Match.objectLike(Map.of("lastStatus", List.of("STOPPED"), "$or",
										Match.arrayWith(List.of(Map.of("stopCode", List.of("TaskFailedToStart")))))))));
		template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("Namespace", "AWS/Events", "MetricName",
				"TriggeredRules", "Threshold", 1, "AlarmActions", List.of(Match.objectLike(Map.of()))));
		template.hasResourceProperties("AWS::CloudWatch::Alarm",
				Map.of("Namespace", "AWS/Scheduler", "MetricName", "InvocationDroppedCount", "Dimensions",
						List.of(Map.of("Name", "ScheduleGroup", "Value", JobSchedules.GROUP))));
	}

	@Test
	void athenaWorkgroupLimitsBytesScannedPerQuery() {
		template.hasResourceProperties("AWS::Athena::WorkGroup", Map.of("Name", ArchiveStorage.WORKGROUP,
				"WorkGroupConfiguration",
				Match.objectLike(Map.of("BytesScannedCutoffPerQuery",
						HealthScoreStackProps.ATHENA_BYTES_SCANNED_CUTOFF_DEFAULT, "EnforceWorkGroupConfiguration",
						true, "ResultConfiguration", Match.objectLike(Map.of("EncryptionConfiguration",
								Match.objectLike(Map.of("EncryptionOption", "SSE_KMS"))))))));
	}

	@Test
	@SuppressWarnings("unchecked")
	void glueTablesMatchTheTableSpecsAndUsePartitionProjection() {
		Map<String, Map<String, Object>> tables = SynthesizedStack.properties("AWS::Glue::Table");
		assertThat(tables).hasSize(AthenaTables.ALL.size());
		for (TableSpec spec : AthenaTables.ALL) {
			Map<String, Object> input = tables.values()
				.stream()
				.map((table) -> (Map<String, Object>) table.get("TableInput"))
				.filter((table) -> spec.name().equals(table.get("Name")))
				.findFirst()
				.orElseThrow();
			Map<String, Object> storage = (Map<String, Object>) input.get("StorageDescriptor");
			assertThat((List<Map<String, Object>>) storage.get("Columns"))
				.extracting((column) -> new ColumnSpec((String) column.get("Name"), (String) column.get("Type"),
						(String) column.get("Comment")))
				.containsExactlyElementsOf(spec.columns());
			assertThat(storage.get("Location").toString()).contains("/archive/" + spec.name() + "/");
			Map<String, Object> parameters = (Map<String, Object>) input.get("Parameters");
			if (!spec.partitioned()) {
				assertThat((List<?>) input.getOrDefault("PartitionKeys", List.of())).isEmpty();
				assertThat(parameters).doesNotContainKey("projection.enabled");
				continue;
			}
			assertThat((List<Map<String, Object>>) input.get("PartitionKeys"))
				.containsExactly(Map.of("Name", "month", "Type", "string", "Comment", spec.partitionKey().comment()));
			assertThat(parameters).containsEntry("projection.enabled", "true")
				.containsEntry("projection.month.type", "date")
				.containsEntry("projection.month.format", "yyyy-MM")
				.containsEntry("projection.month.range", "2015-01,NOW")
				.containsEntry("projection.month.interval", "1")
				.containsEntry("projection.month.interval.unit", "MONTHS");
			assertThat(parameters.get("storage.location.template").toString())
				.contains("/archive/" + spec.name() + "/month=${month}/");
		}
	}

	@Test
	void templateNamesNoAccountRegionOrHost() {
		String json = template.toJSON().toString();
		assertThat(json).doesNotContainPattern("\\d{12}").doesNotContain("amazonaws.com/").doesNotContain("us-east-1");
	}

}
