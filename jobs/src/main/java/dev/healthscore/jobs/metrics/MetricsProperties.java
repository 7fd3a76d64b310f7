package dev.healthscore.jobs.metrics;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where job metrics go ({@code healthscore.metrics.*}): always to an in-process registry;
 * to Amazon CloudWatch when enabled (credentials and region from the task's IAM role and
 * environment, never from configuration).
 *
 * @param cloudwatchEnabled whether to publish to CloudWatch
 * @param cloudwatchNamespace the CloudWatch namespace
 * @param step how often metrics are published
 */
@ConfigurationProperties("healthscore.metrics")
public record MetricsProperties(@DefaultValue("false") boolean cloudwatchEnabled,
		@DefaultValue("HealthScore/Jobs") String cloudwatchNamespace, @DefaultValue("1m") Duration step) {

}
