package dev.healthscore.infra;

import java.util.List;
import java.util.Map;

import dev.healthscore.schedules.Schedules;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

/**
 * The stack synthesized once per test JVM: starting jsii and synthesizing take seconds,
 * so every test class asserts on the same template.
 */
final class SynthesizedStack {

	/** Context like an operator passes with {@code -c}; the identifiers are made up. */
	static final Map<String, Object> CONTEXT = Map.of(HealthScoreStackProps.VPC_ID, "vpc-0example",
			HealthScoreStackProps.AVAILABILITY_ZONES, List.of("zone-a", "zone-b"),
			HealthScoreStackProps.PRIVATE_SUBNET_IDS, "subnet-0a, subnet-0b",
			HealthScoreStackProps.DATABASE_INSTANCE_ID, "app-primary", HealthScoreStackProps.DATABASE_ENDPOINT,
			"primary.db.example", HealthScoreStackProps.DATABASE_SECURITY_GROUP_ID, "sg-0example",
			HealthScoreStackProps.DATABASE_SECRET_NAME, "healthscore/db", HealthScoreStackProps.IMAGE_TAG, "1.2.3");

	private static Template template;

	private SynthesizedStack() {
	}

	static synchronized Template template() {
		if (template == null) {
			App app = new App(AppProps.builder().context(CONTEXT).build());
			HealthScoreStack stack = new HealthScoreStack(app, InfraApp.STACK_ID, StackProps.builder().build(),
					HealthScoreStackProps.fromContext(app.getNode()), Schedules.defaults());
			template = Template.fromStack(stack);
		}
		return template;
	}

	/** Returns the properties of every resource of a type, by logical id. */
	@SuppressWarnings("unchecked")
	static Map<String, Map<String, Object>> properties(String type) {
		Map<String, Map<String, Object>> properties = new java.util.TreeMap<>();
		template().findResources(type)
			.forEach((id, resource) -> properties.put(id,
					(Map<String, Object>) ((Map<String, Object>) resource).getOrDefault("Properties", Map.of())));
		return properties;
	}

	/** Returns the only resource of a type. */
	static Map<String, Object> single(String type) {
		Map<String, Map<String, Object>> all = properties(type);
		if (all.size() != 1) {
			throw new IllegalStateException("Expected one %s but found %s".formatted(type, all.keySet()));
		}
		return all.values().iterator().next();
	}

}
