package dev.healthscore.jobs.metrics;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Refuses CloudWatch metrics ({@code healthscore.metrics.cloudwatch-enabled=true}) when
 * the SDK finds no AWS region: the CloudWatch client could not be made, and every
 * command, {@code status} included, would fail at start with the SDK's stack trace, after
 * starting the embedded database if there is one. Checked before anything starts, as a
 * usage error, with the settings that mend it.
 */
public final class CloudWatchRegion {

	private CloudWatchRegion() {
	}

	/**
	 * Checks that the SDK finds a region when CloudWatch metrics are enabled, as the
	 * CloudWatch client will look it up ({@code aws.region}, {@code AWS_REGION}, the
	 * profile, the instance's metadata).
	 * @param environment the application's environment
	 * @throws CloudWatchRegionException when they are enabled and no region is found
	 */
	public static void check(ConfigurableEnvironment environment) {
		boolean enabled;
		try {
			enabled = Binder.get(environment)
				.bind("healthscore.metrics.cloudwatch-enabled", Boolean.class)
				.orElse(false);
		}
		catch (BindException ex) {
			// not a boolean: binding MetricsProperties reports it
			return;
		}
		if (!enabled) {
			return;
		}
		try {
			new DefaultAwsRegionProviderChain().getRegion();
		}
		catch (SdkClientException ex) {
			throw new CloudWatchRegionException(ex);
		}
	}

	/** CloudWatch metrics enabled without a region: a usage error, nothing started. */
	public static final class CloudWatchRegionException extends RuntimeException {

		CloudWatchRegionException(Throwable cause) {
			super("Cannot publish metrics to CloudWatch (healthscore.metrics.cloudwatch-enabled=true): no AWS region"
					+ " found. Set AWS_REGION (or the aws.region system property, or a region in the AWS profile), or"
					+ " set healthscore.metrics.cloudwatch-enabled=false", cause);
		}

	}

}
