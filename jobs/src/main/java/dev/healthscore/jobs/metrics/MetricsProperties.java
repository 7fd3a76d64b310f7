package dev.healthscore.jobs.metrics;

import java.time.Duration;

import dev.healthscore.io.Durations;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Where job metrics go ({@code healthscore.metrics.*}): always to an in-process registry;
 * to Amazon CloudWatch when enabled (credentials and region from the task's IAM role and
 * environment, never from configuration).
 *
 * @param cloudwatchEnabled whether to publish to CloudWatch
 * @param cloudwatchNamespace the CloudWatch namespace, not blank when publishing
 * @param step how often metrics are published, at least a millisecond
 */
@ConfigurationProperties("healthscore.metrics")
public record MetricsProperties(@DefaultValue("false") boolean cloudwatchEnabled,
		@DefaultValue("HealthScore/Jobs") String cloudwatchNamespace, @DefaultValue("1m") Duration step) {

	public MetricsProperties {
		// Micrometer publishes every step.toMillis(): below 1ms the CloudWatch registry
		// fails to start with "/ by zero"
		Assert.isTrue(step.toMillis() > 0, () -> "Invalid healthscore.metrics.step=" + Durations.format(step)
				+ ": expected a positive duration of at least 1ms");
		// PutMetricData takes a namespace of at least one character: with an
		// empty one every publication fails, the runs go on and their metrics
		// (and the alarms on them) are lost, a warning in the log each step
		Assert.isTrue(!cloudwatchEnabled || StringUtils.hasText(cloudwatchNamespace),
				() -> "Invalid healthscore.metrics.cloudwatch-namespace='" + cloudwatchNamespace
						+ "': expected a CloudWatch namespace with healthscore.metrics.cloudwatch-enabled=true");
	}

}
