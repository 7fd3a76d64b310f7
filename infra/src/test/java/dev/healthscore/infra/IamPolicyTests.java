package dev.healthscore.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.healthscore.schedules.Schedules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

import static org.assertj.core.api.Assertions.assertThat;

class IamPolicyTests {

	/**
	 * Policy documents that grant access, by resource type and the property holding them.
	 */
	private static final Map<String, String> POLICY_DOCUMENTS = Map.of("AWS::IAM::Policy", "PolicyDocument",
			"AWS::IAM::ManagedPolicy", "PolicyDocument", "AWS::S3::BucketPolicy", "PolicyDocument",
			"AWS::SNS::TopicPolicy", "PolicyDocument");

	private static List<Map<String, Object>> statements;

	@BeforeAll
	static void collectStatements() {
		statements = new ArrayList<>();
		POLICY_DOCUMENTS.forEach((type, property) -> SynthesizedStack.properties(type)
			.values()
			.forEach((resource) -> statements.addAll(statements(resource.get(property)))));
		SynthesizedStack.properties("AWS::IAM::Role")
			.values()
			.forEach((role) -> listOf(role.get("Policies"))
				.forEach((policy) -> statements.addAll(statements(((Map<?, ?>) policy).get("PolicyDocument")))));
	}

	@Test
	void noPolicyAllowsEveryActionOrEveryS3Action() {
		assertThat(statements).isNotEmpty();
		assertThat(allowed())
			.allSatisfy((statement) -> assertThat(strings(statement.get("Action"))).as("actions of %s", statement)
				.noneMatch((action) -> action.equals("*") || action.equals("s3:*")));
	}

	@Test
	void noPolicyAllowsEveryResource() {
		// ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource-level
		// permissions: AWS only accepts "*" (the latter is limited by namespace instead).
		assertThat(allowed())
			.filteredOn((statement) -> !strings(statement.get("Action")).equals(List.of("ecr:GetAuthorizationToken")))
			.filteredOn((statement) -> !(strings(statement.get("Action")).equals(List.of("cloudwatch:PutMetricData"))
					&& String.valueOf(statement.get("Condition")).contains("HealthScore/Jobs")))
			.allSatisfy((statement) -> assertThat(strings(statement.get("Resource"))).as("resources of %s", statement)
				.doesNotContain("*"));
	}

	@Test
	void s3AccessIsLimitedToTheArchivePrefix() {
		List<Map<String, Object>> s3 = allowed().stream()
			.filter((statement) -> strings(statement.get("Action")).stream().anyMatch((a) -> a.startsWith("s3:")))
			.toList();
		assertThat(s3).hasSize(3).allSatisfy((statement) -> {
			String resource = statement.get("Resource").toString();
			if (statement.get("Action").equals("s3:ListBucket")) {
				assertThat(statement.get("Condition").toString()).contains("s3:prefix=[archive/*, archive/]");
			}
			else if (statement.get("Action").equals("s3:ListBucketMultipartUploads")) {
				// the bucket itself (the action has no prefix condition): names only
				assertThat(resource).doesNotContain("/");
			}
			else {
				assertThat(resource).endsWith("/archive/*]]}");
			}
		});
	}

	/**
	 * What the archive and restore do with S3 (readers-writers' S3 calls: objects read,
	 * written in one piece or by multipart upload, aborted, stale files deleted, folders
	 * and unfinished uploads listed), with SSE-KMS under the bucket's key, and the job
	 * metrics published in the application's default namespace: a missing one fails the
	 * run with AccessDenied in production only.
	 */
	@Test
	void theTaskRoleMayDoWhatTheJobsDo() {
		List<Map<String, Object>> task = taskRoleStatements();
		String bucket = "{Fn::GetAtt=[ArchiveBucket";
		// PutObject also covers CreateMultipartUpload, UploadPart and
		// CompleteMultipartUpload
		for (String action : List.of("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject")) {
			assertThat(task).as(action)
				.anySatisfy((statement) -> assertThat(allows(statement, action, "/archive/*")).isTrue());
		}
		assertThat(task).anySatisfy((statement) -> {
			assertThat(allows(statement, "s3:ListBucket", bucket)).isTrue();
			// the prefixes the archive lists: a month's folder, the snapshot's, a
			// manifest
			assertThat(List.of("archive/health_reading/month=2025-01/", "archive/health_score/month=2025-01/",
					"archive/app_user/", "archive/health_reading/month=2025-01/_manifest.json"))
				.allSatisfy((prefix) -> assertThat(listablePrefixes(statement)).as(prefix)
					.anyMatch((pattern) -> prefix.matches(pattern.replace("*", ".*"))));
		});
		assertThat(task).anySatisfy((statement) -> {
			assertThat(allows(statement, "s3:ListBucketMultipartUploads", bucket)).isTrue();
			assertThat(statement).doesNotContainKey("Condition");
		});
		String bucketKey = bucketKey();
		for (String action : List.of("kms:GenerateDataKey", "kms:Decrypt")) {
			assertThat(task).as(action)
				.anySatisfy((statement) -> assertThat(allows(statement, action, "[" + bucketKey + ",")).isTrue());
		}
		assertThat(task).anySatisfy((statement) -> {
			assertThat(allows(statement, "cloudwatch:PutMetricData", "*")).isTrue();
			assertThat(String.valueOf(statement.get("Condition"))).contains("cloudwatch:namespace=HealthScore/Jobs");
		});
	}

	@Test
	void theExecutionRoleMayDecryptTheDatabaseSecretThroughSecretsManagerOnlyWhenItsKeyIsGiven() {
		assertThat(allowed()).noneMatch((statement) -> "DatabaseSecretKey".equals(statement.get("Sid")));
		String key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
		Map<String, Object> context = new java.util.HashMap<>(SynthesizedStack.CONTEXT);
		context.put(HealthScoreStackProps.DATABASE_SECRET_KMS_KEY_ARN, key);
		App app = new App(AppProps.builder().context(context).build());
		Template template = Template.fromStack(new HealthScoreStack(app, InfraApp.STACK_ID,
				StackProps.builder().build(), HealthScoreStackProps.fromContext(app.getNode()), Schedules.defaults()));
		List<Map<String, Object>> granted = new ArrayList<>();
		template.findResources("AWS::IAM::Policy").values().forEach((policy) -> {
			@SuppressWarnings("unchecked")
			Map<String, Object> properties = (Map<String, Object>) policy.get("Properties");
			statements(properties.get("PolicyDocument")).stream()
				.filter((statement) -> "DatabaseSecretKey".equals(statement.get("Sid")))
				.forEach((statement) -> {
					granted.add(statement);
					assertThat(properties.get("Roles").toString()).contains("ExecutionRole");
				});
		});
		assertThat(granted).singleElement().satisfies((statement) -> {
			assertThat(statement.get("Action")).isEqualTo("kms:Decrypt");
			assertThat(statement.get("Resource")).isEqualTo(key);
			assertThat(statement.get("Condition").toString()).contains("kms:ViaService").contains("secretsmanager.");
		});
	}

	@Test
	void onlyTheDatabaseSecretIsReadable() {
		List<Map<String, Object>> secrets = allowed().stream()
			.filter((statement) -> strings(statement.get("Action")).stream()
				.anyMatch((action) -> action.startsWith("secretsmanager:")))
			.toList();
		assertThat(secrets).hasSize(1);
		assertThat(secrets.get(0).get("Resource").toString()).contains(":secret:healthscore/db-??????");
	}

	@Test
	void keyPolicyOnlyDelegatesToTheAccount() {
		Map<String, Object> key = SynthesizedStack.single("AWS::KMS::Key");
		List<Map<String, Object>> keyStatements = statements(key.get("KeyPolicy"));
		// A key policy's "*" resource means "this key"; the only grant is to the account
		// root, which hands the decision to IAM policies such as the task role's.
		assertThat(keyStatements).singleElement()
			.satisfies((statement) -> assertThat(statement.get("Principal").toString()).contains(":root"));
	}

	/** The statements of the task role, the role the application's calls are made as. */
	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> taskRoleStatements() {
		String taskRole = String
			.valueOf(((List<Object>) ((Map<String, Object>) SynthesizedStack.single("AWS::ECS::TaskDefinition")
				.get("TaskRoleArn")).get("Fn::GetAtt")).get(0));
		List<Map<String, Object>> task = new ArrayList<>();
		SynthesizedStack.properties("AWS::IAM::Policy")
			.values()
			.stream()
			.filter((policy) -> String.valueOf(policy.get("Roles")).contains("{Ref=" + taskRole + "}"))
			.forEach((policy) -> task.addAll(statements(policy.get("PolicyDocument"))));
		assertThat(task).isNotEmpty();
		return task;
	}

	/** The logical id of the KMS key the archive bucket encrypts with by default. */
	@SuppressWarnings("unchecked")
	private static String bucketKey() {
		Map<String, Object> encryption = (Map<String, Object>) SynthesizedStack.single("AWS::S3::Bucket")
			.get("BucketEncryption");
		Map<String, Object> byDefault = (Map<String, Object>) ((List<Map<String, Object>>) encryption
			.get("ServerSideEncryptionConfiguration")).get(0).get("ServerSideEncryptionByDefault");
		return String
			.valueOf(((List<Object>) ((Map<String, Object>) byDefault.get("KMSMasterKeyID")).get("Fn::GetAtt")).get(0));
	}

	/** Whether a statement allows an action on a resource that reads as given. */
	private static boolean allows(Map<String, Object> statement, String action, String resource) {
		return "Allow".equals(statement.get("Effect")) && strings(statement.get("Action")).contains(action)
				&& strings(statement.get("Resource")).stream().anyMatch((r) -> r.contains(resource));
	}

	/** The s3:prefix patterns a listing statement allows, or "*" without a condition. */
	private static List<String> listablePrefixes(Map<String, Object> statement) {
		Object condition = statement.get("Condition");
		if (condition == null) {
			return List.of("*");
		}
		Object like = ((Map<?, ?>) condition).get("StringLike");
		return (like != null) ? strings(((Map<?, ?>) like).get("s3:prefix")) : List.of();
	}

	private static List<Map<String, Object>> allowed() {
		return statements.stream().filter((statement) -> "Allow".equals(statement.get("Effect"))).toList();
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> statements(Object document) {
		return (List<Map<String, Object>>) (List<?>) listOf(((Map<String, Object>) document).get("Statement"));
	}

	private static List<?> listOf(Object value) {
		if (value == null) {
			return List.of();
		}
		return (value instanceof List<?> list) ? list : List.of(value);
	}

	private static List<String> strings(Object value) {
		return listOf(value).stream().map(String::valueOf).toList();
	}

}
