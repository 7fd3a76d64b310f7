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
