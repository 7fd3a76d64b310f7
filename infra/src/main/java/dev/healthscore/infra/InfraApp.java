package dev.healthscore.infra;

import dev.healthscore.schedules.Schedules;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;

/**
 * The CDK app: synthesizes the health-score stack from CDK context and the schedule
 * catalogue.
 */
public final class InfraApp {

	/** Id of the stack. */
	public static final String STACK_ID = "HealthScore";

	private InfraApp() {
	}

	/**
	 * Synthesizes the app into {@code cdk.out}.
	 * @param args ignored; settings come from CDK context
	 */
	public static void main(String[] args) {
		App app = new App();
		new HealthScoreStack(app, STACK_ID,
				StackProps.builder().description("healthscore batch jobs, schedules and archive").build(),
				HealthScoreStackProps.fromContext(app.getNode()), Schedules.defaults());
		app.synth();
	}

}
