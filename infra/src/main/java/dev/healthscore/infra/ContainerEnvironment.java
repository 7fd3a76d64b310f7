package dev.healthscore.infra;

/**
 * Names of the environment variables the task definition gives the application; Spring
 * Boot binds them to the {@code healthscore.*} (and {@code logging.*}) properties of the
 * same name.
 */
public final class ContainerEnvironment {

	/** JDBC URL of the primary (writes, job repository, ledger). */
	public static final String PRIMARY_URL = "HEALTHSCORE_DATASOURCE_PRIMARY_URL";

	/** JDBC URL of the read replica (bulk reads). */
	public static final String REPLICA_URL = "HEALTHSCORE_DATASOURCE_REPLICA_URL";

	/** Database user name, from the Secrets Manager secret. */
	public static final String DB_USERNAME = "HEALTHSCORE_DATASOURCE_USERNAME";

	/** Database password, from the Secrets Manager secret. */
	public static final String DB_PASSWORD = "HEALTHSCORE_DATASOURCE_PASSWORD";

	/** Name of the archive bucket. */
	public static final String ARCHIVE_BUCKET = "HEALTHSCORE_ARCHIVE_BUCKET";

	/** Key prefix of the archive inside the bucket, without slashes around it. */
	public static final String ARCHIVE_PREFIX = "HEALTHSCORE_ARCHIVE_PREFIX";

	/**
	 * Publishes the jobs' Micrometer metrics to CloudWatch
	 * (healthscore.metrics.cloudwatch-enabled).
	 */
	public static final String METRICS_CLOUDWATCH = "HEALTHSCORE_METRICS_CLOUDWATCH_ENABLED";

	/**
	 * Spring Boot's structured format of the console log
	 * ({@code logging.structured.format.console}): JSON lines, which CloudWatch Logs
	 * Insights splits into fields, the run's keys among them ({@code job.execution.id},
	 * {@code step.name}, …).
	 */
	public static final String LOG_FORMAT = "LOGGING_STRUCTURED_FORMAT_CONSOLE";

	/** The structured format the tasks log in: Elastic Common Schema, nested JSON. */
	public static final String LOG_FORMAT_ECS = "ecs";

	/** Name of the container in the task definition, which the schedules override. */
	public static final String CONTAINER_NAME = "app";

	private ContainerEnvironment() {
	}

}
