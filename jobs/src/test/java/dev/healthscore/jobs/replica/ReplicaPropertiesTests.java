package dev.healthscore.jobs.replica;

import java.time.Duration;
import java.util.Map;

import dev.healthscore.jobs.SettingsBinding;
import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReplicaProperties}: a bad value is refused as it is bound, named as
 * the operator sets it ({@code healthscore.replica.max-lag}, not the builder's
 * {@code maxLag}), with the value in the setting's form and what is accepted.
 */
class ReplicaPropertiesTests {

	@Test
	void theDefaultsBind() {
		ReplicaProperties properties = bind(Map.of());
		assertThat(properties.maximumPoolSize()).isEqualTo(4);
		assertThat(properties.connectionTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(properties.maxLag()).isEqualTo(Duration.ofSeconds(30));
		assertThat(properties.maxLagBytes()).isNull();
		assertThat(properties.waitTimeout()).isEqualTo(Duration.ofMinutes(5));
		assertThat(properties.pollInterval()).isEqualTo(Duration.ofSeconds(1));
	}

	@Test
	void theLagSettingsAreNamedAsTheyAreSet() {
		assertRefused("max-lag", "-30s", "Invalid healthscore.replica.max-lag=-30s: must not be negative");
		assertRefused("max-lag-bytes", "-1MB", "Invalid healthscore.replica.max-lag-bytes=-1MB: must not be negative");
		assertRefused("wait-timeout", "-PT5M", "Invalid healthscore.replica.wait-timeout=-5m: must not be negative");
		assertRefused("poll-interval", "0s",
				"Invalid healthscore.replica.poll-interval=0s: expected a positive duration");
		assertRefused("poll-interval", "-10ms",
				"Invalid healthscore.replica.poll-interval=-10ms: expected a positive duration");
	}

	@Test
	void theBoundsThemselvesAreAccepted() {
		ReplicaProperties properties = bind(Map.of("healthscore.replica.max-lag", "0s",
				"healthscore.replica.max-lag-bytes", "0B", "healthscore.replica.wait-timeout", "0s",
				"healthscore.replica.poll-interval", "1ms", "healthscore.replica.connection-timeout", "250ms",
				"healthscore.replica.maximum-pool-size", "1"));
		assertThat(properties.maxLag()).isZero();
		assertThat(properties.maxLagBytes()).isEqualTo(DataSize.ofBytes(0));
		assertThat(properties.connectionTimeout()).isEqualTo(Duration.ofMillis(250));
	}

	@Test
	void thePoolSettingsAreRefusedBeforeHikariNamesThemByItsOwnFields() {
		assertRefused("maximum-pool-size", "0",
				"Invalid healthscore.replica.maximum-pool-size=0: expected a positive number");
		assertRefused("connection-timeout", "100ms",
				"Invalid healthscore.replica.connection-timeout=100ms: expected at least 250ms");
	}

	@Test
	void aZeroConnectionTimeoutIsRefusedRatherThanWaitingWeeksForADownReplica() {
		// HikariCP reads 0 as "wait forever" (Integer.MAX_VALUE ms): a job whose replica
		// is down would hang instead of applying its lag policy
		assertRefused("connection-timeout", "0s",
				"Invalid healthscore.replica.connection-timeout=0s: expected at least 250ms");
	}

	@Test
	void aDurationOfMoreThanACenturyIsRefusedBeforeItOverflowsTheGatesArithmetic() {
		// the gate counts its wait in nanoseconds: 106,752 days and more overflowed it
		// when the replica lagged, half-way through a job
		String century = " (100 years: the jobs count it in nanoseconds, and a longer one overflows that)";
		assertRefused("wait-timeout", "106752d",
				"Invalid healthscore.replica.wait-timeout=106752d: must be at most 36500d" + century);
		assertRefused("max-lag", "1000000d",
				"Invalid healthscore.replica.max-lag=1000000d: must be at most 36500d" + century);
		assertRefused("poll-interval", "1000000d",
				"Invalid healthscore.replica.poll-interval=1000000d: must be at most 36500d" + century);
		assertRefused("connection-timeout", "1000000000000d",
				"Invalid healthscore.replica.connection-timeout=1000000000000d: must be at most 36500d" + century);
		ReplicaProperties properties = bind(Map.of("healthscore.replica.wait-timeout", "36500d",
				"healthscore.replica.max-lag", "36500d", "healthscore.replica.poll-interval", "36500d",
				"healthscore.replica.connection-timeout", "36500d"));
		assertThat(properties.waitTimeout()).isEqualTo(Duration.ofDays(36500));
	}

	private static void assertRefused(String key, String value, String message) {
		SettingsBinding.assertRefused("healthscore.replica", ReplicaProperties.class,
				Map.of("healthscore.replica." + key, value), message);
	}

	private static ReplicaProperties bind(Map<String, String> settings) {
		return SettingsBinding.bind("healthscore.replica", ReplicaProperties.class, settings);
	}

}
