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

	/**
	 * The most months ahead: ten years. A partition per month and table is created at
	 * once; an extra digit would create thousands, or fail every run on dates PostgreSQL
	 * cannot hold.
	 */
	public static final int MONTHS_AHEAD_MAX = 120;

	public PartitionsProperties {
		monthsAhead = (monthsAhead != null) ? monthsAhead : MONTHS_AHEAD_DEFAULT;
		if (monthsAhead < 1) {
			// as --months-ahead: without next month's partition, the app's first inserts
			// of a month fail until the nightly run creates it
			throw new IllegalArgumentException("Invalid healthscore.partitions.months-ahead=" + monthsAhead
					+ ": expected a positive whole number (next month's partition must exist before it begins)");
		}
		if (monthsAhead > MONTHS_AHEAD_MAX) {
			throw new IllegalArgumentException("Invalid healthscore.partitions.months-ahead=" + monthsAhead
					+ ": expected at most " + MONTHS_AHEAD_MAX + " (ten years of monthly partitions)");
		}
	}

}
