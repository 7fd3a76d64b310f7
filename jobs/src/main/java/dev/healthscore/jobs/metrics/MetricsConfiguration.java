package dev.healthscore.jobs.metrics;

import io.micrometer.cloudwatch2.CloudWatchConfig;
import io.micrometer.cloudwatch2.CloudWatchMeterRegistry;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Micrometer metrics of every job: an in-process registry, plus CloudWatch when
 * {@code healthscore.metrics.cloudwatch-enabled=true}; every job's executions go to the
 * {@link JobMetricsListener} (see {@link dev.healthscore.jobs.EveryJobListeners}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(MetricsProperties.class)
public class MetricsConfiguration {

	@Bean(destroyMethod = "close")
	MeterRegistry meterRegistry(MetricsProperties properties) {
		CompositeMeterRegistry composite = new CompositeMeterRegistry();
		composite.add(new SimpleMeterRegistry());
		if (properties.cloudwatchEnabled()) {
			composite.add(new CloudWatchMeterRegistry(cloudWatchConfig(properties), Clock.SYSTEM,
					CloudWatchAsyncClient.create()));
		}
		return composite;
	}

	@Bean
	JobMetricsListener jobMetricsListener(MeterRegistry registry) {
		return new JobMetricsListener(registry);
	}

	private static CloudWatchConfig cloudWatchConfig(MetricsProperties properties) {
		return new CloudWatchConfig() {
			@Override
			public String get(String key) {
				return null;
			}

			@Override
			public String namespace() {
				return properties.cloudwatchNamespace();
			}

			@Override
			public java.time.Duration step() {
				return properties.step();
			}
		};
	}

}
