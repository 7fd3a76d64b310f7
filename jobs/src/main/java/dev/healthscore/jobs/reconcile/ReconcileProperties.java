package dev.healthscore.jobs.reconcile;

import java.time.Duration;

import dev.healthscore.io.Durations;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.Assert;

/**
 * Settings of the {@code reconcile} job ({@code healthscore.reconcile.*}).
 *
 * @param chunkSize users per chunk, corrected in one transaction; they are read in blocks
 * of half as many users
 * @param readThreads how many blocks of users are read at once, ahead of the chunk being
 * corrected
 * @param ingestMargin how long after its timestamp ({@code ingested_at}, the trigger's
 * {@code changed_at}: transaction starts) a change may commit; changes are looked for
 * from the last checkpoint less this margin
 * @param segmentUsers about how many users one top-level segment of {@code --full} holds
 * @param leafWidth how many user ids wide a differing range of {@code --full} gets before
 * its rows are compared one by one
 * @param changeLogRetention how long {@code score_input_change} keeps a change; a range
 * not reconciled for longer needs {@code --full}
 * @param suspectRetention how long a failed or stopped reconcile run keeps its suspects
 * to be resumed: once it is older, the next completing reconcile marks it ABANDONED and
 * drops them
 */
@ConfigurationProperties("healthscore.reconcile")
public record ReconcileProperties(@DefaultValue("200") int chunkSize, @DefaultValue("2") int readThreads,
		@DefaultValue("10m") Duration ingestMargin, @DefaultValue("1000") int segmentUsers,
		@DefaultValue("16") long leafWidth, @DefaultValue("60d") Duration changeLogRetention,
		@DefaultValue("7d") Duration suspectRetention) {

	/**
	 * The longest ingest margin or retention: 100 years. A run moves times by them (its
	 * own, less a retention; a change's, plus the margin) and hands the result to
	 * PostgreSQL, which holds no timestamp before 4713 BC: 10,000 years put the change
	 * log's cut-off in year -7967, and a much longer one overflows the date.
	 */
	public static final Duration DURATION_MAX = Duration.ofDays(36500);

	public ReconcileProperties {
		Assert.isTrue(chunkSize > 0,
				() -> "Invalid healthscore.reconcile.chunk-size=" + chunkSize + ": expected a positive number");
		Assert.isTrue(readThreads > 0,
				() -> "Invalid healthscore.reconcile.read-threads=" + readThreads + ": expected a positive number");
		Assert.isTrue(segmentUsers > 0,
				() -> "Invalid healthscore.reconcile.segment-users=" + segmentUsers + ": expected a positive number");
		Assert.isTrue(leafWidth > 0,
				() -> "Invalid healthscore.reconcile.leaf-width=" + leafWidth + ": expected a positive number");
		Assert.isTrue(!ingestMargin.isNegative(), () -> "Invalid healthscore.reconcile.ingest-margin="
				+ Durations.format(ingestMargin) + ": must not be negative");
		Assert.isTrue(!changeLogRetention.isNegative() && !changeLogRetention.isZero(),
				() -> "Invalid healthscore.reconcile.change-log-retention=" + Durations.format(changeLogRetention)
						+ ": expected a positive duration");
		Assert.isTrue(!suspectRetention.isNegative() && !suspectRetention.isZero(),
				() -> "Invalid healthscore.reconcile.suspect-retention=" + Durations.format(suspectRetention)
						+ ": expected a positive duration");
		atMostDurationMax("ingest-margin", ingestMargin);
		atMostDurationMax("change-log-retention", changeLogRetention);
		atMostDurationMax("suspect-retention", suspectRetention);
	}

	private static void atMostDurationMax(String setting, Duration value) {
		Assert.isTrue(value.compareTo(DURATION_MAX) <= 0,
				() -> "Invalid healthscore.reconcile." + setting + "=" + Durations.format(value) + ": expected at most "
						+ Durations.format(DURATION_MAX) + " (100 years: the run moves times by it, and a longer one"
						+ " reaches dates PostgreSQL cannot hold)");
	}

}
