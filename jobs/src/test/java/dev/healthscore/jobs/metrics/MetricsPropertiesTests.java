package dev.healthscore.jobs.metrics;

import java.time.Duration;
import java.util.Map;

import dev.healthscore.jobs.SettingsBinding;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link MetricsProperties}: a value that would break publishing is refused as
 * it is bound, named as it is set.
 */
class MetricsPropertiesTests {

	@Test
	void theDefaultsBind() {
		MetricsProperties properties = bind(Map.of());
		assertThat(properties.cloudwatchEnabled()).isFalse();
		assertThat(properties.cloudwatchNamespace()).isEqualTo("HealthScore/Jobs");
		assertThat(properties.step()).isEqualTo(Duration.ofMinutes(1));
		assertThat(bind(Map.of("healthscore.metrics.step", "1ms")).step()).isEqualTo(Duration.ofMillis(1));
	}

	@Test
	void aStepBelowAMillisecondIsRefusedRatherThanFailingTheStartWithADivisionByZero() {
		assertRefused(Map.of("healthscore.metrics.step", "0s"),
				"Invalid healthscore.metrics.step=0s: expected a positive duration of at least 1ms");
		assertRefused(Map.of("healthscore.metrics.step", "500us"),
				"Invalid healthscore.metrics.step=500us: expected a positive duration of at least 1ms");
		assertRefused(Map.of("healthscore.metrics.step", "-1m"),
				"Invalid healthscore.metrics.step=-1m: expected a positive duration of at least 1ms");
	}

	@Test
	void aBlankNamespaceIsRefusedWhenMetricsGoToCloudWatch() {
		assertRefused(
				Map.of("healthscore.metrics.cloudwatch-enabled", "true", "healthscore.metrics.cloudwatch-namespace",
						""),
				"Invalid healthscore.metrics.cloudwatch-namespace='': expected a CloudWatch namespace with"
						+ " healthscore.metrics.cloudwatch-enabled=true");
		// unused without CloudWatch
		assertThat(bind(Map.of("healthscore.metrics.cloudwatch-namespace", "")).cloudwatchNamespace()).isEmpty();
	}

	private static void assertRefused(Map<String, String> settings, String message) {
		SettingsBinding.assertRefused("healthscore.metrics", MetricsProperties.class, settings, message);
	}

	private static MetricsProperties bind(Map<String, String> settings) {
		return SettingsBinding.bind("healthscore.metrics", MetricsProperties.class, settings);
	}

}
