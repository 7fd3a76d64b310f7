package dev.healthscore.jobs;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.Assert;

/**
 * Settings of the health-score jobs ({@code healthscore.*}).
 *
 * @param recompute settings of the {@code recompute} job
 */
@ConfigurationProperties("healthscore")
public record HealthScoreProperties(@DefaultValue Recompute recompute) {

	/**
	 * Settings of the {@code recompute} job.
	 *
	 * @param chunkSize users per chunk: read in one block of queries, written in one
	 * transaction
	 * @param progressIntervalSeconds how often progress is logged
	 * @param threads how many user-id ranges are scored in parallel (partitions of the
	 * step)
	 */
	public record Recompute(@DefaultValue("200") int chunkSize, @DefaultValue("5") int progressIntervalSeconds,
			@DefaultValue("2") int threads) {

		public Recompute {
			Assert.isTrue(chunkSize > 0,
					() -> "Invalid healthscore.recompute.chunk-size=" + chunkSize + ": expected a positive number");
			Assert.isTrue(progressIntervalSeconds > 0, () -> "Invalid healthscore.recompute.progress-interval-seconds="
					+ progressIntervalSeconds + ": expected a positive number");
			Assert.isTrue(threads > 0,
					() -> "Invalid healthscore.recompute.threads=" + threads + ": expected a positive number");
		}

	}

}
