package dev.healthscore.jobs.metrics;

import dev.healthscore.jobs.metrics.CloudWatchRegion.CloudWatchRegionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CloudWatchRegionTests {

	@BeforeEach
	void noRegionButWhatATestGives() {
		assumeTrue(System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null
				&& System.getProperty("aws.region") == null, "no region in the environment");
		// not the instance metadata service, which a build on EC2 would have; nor a
		// profile of the build's user
		System.setProperty("aws.disableEc2Metadata", "true");
		System.setProperty("aws.configFile", "/nonexistent/aws-config");
	}

	@AfterEach
	void clear() {
		System.clearProperty("aws.disableEc2Metadata");
		System.clearProperty("aws.configFile");
		System.clearProperty("aws.region");
	}

	@Test
	void enabledWithoutARegionIsRefusedNamingWhatToSet() {
		assertThatExceptionOfType(CloudWatchRegionException.class)
			.isThrownBy(() -> CloudWatchRegion
				.check(new MockEnvironment().withProperty("healthscore.metrics.cloudwatch-enabled", "true")))
			.withMessageContaining("Set AWS_REGION")
			.withMessageContaining("healthscore.metrics.cloudwatch-enabled=false");
	}

	@Test
	void enabledWithARegionPasses() {
		System.setProperty("aws.region", "eu-west-1");
		assertThatNoException().isThrownBy(() -> CloudWatchRegion
			.check(new MockEnvironment().withProperty("healthscore.metrics.cloudwatch-enabled", "true")));
	}

	@Test
	void disabledOrNotABooleanIsNotLookedAt() {
		assertThatNoException().isThrownBy(() -> CloudWatchRegion.check(new MockEnvironment()));
		assertThatNoException().isThrownBy(() -> CloudWatchRegion
			.check(new MockEnvironment().withProperty("healthscore.metrics.cloudwatch-enabled", "false")));
		// binding MetricsProperties refuses it (exit 2), as for any property
		assertThatNoException().isThrownBy(() -> CloudWatchRegion
			.check(new MockEnvironment().withProperty("healthscore.metrics.cloudwatch-enabled", "yes please")));
	}

}
