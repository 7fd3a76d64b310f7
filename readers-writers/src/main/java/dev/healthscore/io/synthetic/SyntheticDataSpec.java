package dev.healthscore.io.synthetic;

import java.time.LocalDate;

import org.springframework.util.Assert;

/**
 * What to generate: how many users, over which local days, from which seed.
 *
 * @param users how many users (ids 1..users); a few readings of users that do not exist
 * are added beyond that
 * @param firstDay the first local day with readings
 * @param lastDay the last local day with readings
 * @param seed the random seed: the same spec generates the same users and readings
 * @param threads how many COPY streams to write in parallel
 */
public record SyntheticDataSpec(int users, LocalDate firstDay, LocalDate lastDay, long seed, int threads) {

	public SyntheticDataSpec {
		Assert.isTrue(users > 0, () -> "users must be positive, was " + users);
		Assert.notNull(firstDay, "firstDay is required");
		Assert.notNull(lastDay, "lastDay is required");
		Assert.isTrue(!lastDay.isBefore(firstDay),
				() -> "Invalid day range, last day is before first: %s..%s".formatted(firstDay, lastDay));
		Assert.isTrue(threads > 0, () -> "threads must be positive, was " + threads);
	}

	/** A spec of {@code days} days ending on {@code lastDay}. */
	public static SyntheticDataSpec ofDays(int users, int days, LocalDate lastDay, long seed) {
		Assert.isTrue(days > 0, () -> "days must be positive, was " + days);
		return new SyntheticDataSpec(users, lastDay.minusDays(days - 1L), lastDay, seed, 2);
	}

	/** The same spec written with {@code threads} parallel streams. */
	public SyntheticDataSpec withThreads(int threads) {
		return new SyntheticDataSpec(this.users, this.firstDay, this.lastDay, this.seed, threads);
	}

}
