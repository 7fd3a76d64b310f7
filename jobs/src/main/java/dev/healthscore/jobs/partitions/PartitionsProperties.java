package dev.healthscore.jobs.partitions;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the {@code partitions} job ({@code healthscore.partitions.*}).
 *
 * @param monthsAhead months after the current one whose partitions exist ahead of time
 */
@ConfigurationProperties("healthscore.partitions")
public record PartitionsProperties(Integer monthsAhead) {

	/** Default: three months ahead. */
	public static final int MONTHS_AHEAD_DEFAULT = 3;

	public PartitionsProperties {
		monthsAhead = (monthsAhead != null) ? monthsAhead : MONTHS_AHEAD_DEFAULT;
		if (monthsAhead < 0) {
			throw new IllegalArgumentException(
					"Invalid healthscore.partitions.months-ahead, must not be negative: " + monthsAhead);
		}
	}

}
