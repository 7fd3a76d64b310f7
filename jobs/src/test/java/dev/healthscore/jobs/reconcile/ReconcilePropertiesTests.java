package dev.healthscore.jobs.reconcile;

import java.time.Duration;
import java.util.Map;

import dev.healthscore.io.Durations;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Tests for {@link ReconcileProperties}: durations read in messages as they are set, not
 * as {@link Duration#toString()} writes them.
 */
class ReconcilePropertiesTests {

	@Test
	void invalidDurationsAreNamedInTheFormOfTheSetting() {
		assertThatException().isThrownBy(() -> bind("ingest-margin", "-10m"))
			.havingRootCause()
			.withMessage("Invalid healthscore.reconcile.ingest-margin=-10m: must not be negative");
		assertThatException().isThrownBy(() -> bind("change-log-retention", "0d"))
			.havingRootCause()
			.withMessage("Invalid healthscore.reconcile.change-log-retention=0s: expected a positive duration");
		assertThatException().isThrownBy(() -> bind("suspect-retention", "-PT168H"))
			.havingRootCause()
			.withMessage("Invalid healthscore.reconcile.suspect-retention=-7d: expected a positive duration");
	}

	/**
	 * A retention of 10,000 years puts the change log's cut-off in year -7967, before the
	 * earliest timestamp PostgreSQL holds (4713 BC); a much longer one overflows.
	 */
	@Test
	void aMarginOrRetentionOfMoreThanACenturyIsRefused() {
		assertThat(bind("change-log-retention", "36500d").changeLogRetention()).isEqualTo(Duration.ofDays(36500));
		for (String setting : new String[] { "ingest-margin", "change-log-retention", "suspect-retention" }) {
			assertThatException().isThrownBy(() -> bind(setting, "3650000d"))
				.havingRootCause()
				.withMessage(
						"Invalid healthscore.reconcile.%s=3650000d: expected at most 36500d (100 years: the run"
								+ " moves times by it, and a longer one reaches dates PostgreSQL cannot hold)",
						setting);
		}
	}

	@Test
	void theRetentionAsMessagesWriteItBindsToTheSameDuration() {
		assertThat(Durations.format(bind("suspect-retention", "7d").suspectRetention())).isEqualTo("7d");
		for (String setting : new String[] { "7d", "168h", "PT36H", "90m", "45s", "1500ms", "250us", "7ns" }) {
			Duration retention = bind("suspect-retention", setting).suspectRetention();
			assertThat(bind("suspect-retention", Durations.format(retention)).suspectRetention()).as(setting)
				.isEqualTo(retention);
		}
	}

	private static ReconcileProperties bind(String key, String value) {
		return new Binder(new MapConfigurationPropertySource(Map.of("healthscore.reconcile." + key, value)))
			.bindOrCreate("healthscore.reconcile", ReconcileProperties.class);
	}

}
