package dev.healthscore.jobs.recompute;

import dev.healthscore.jobs.cli.UsageException;

/**
 * The {@code --shard=i/n} of a run: this process recomputes the users whose id modulo
 * {@code n} is {@code i}, so that {@code n} processes (n ECS tasks) share all users with
 * no coordination and write every score exactly once.
 *
 * @param index this shard, from 0
 * @param count how many shards there are
 */
public record Shard(int index, int count) {

	/** All users in one shard. */
	public static final Shard ALL = new Shard(0, 1);

	/** Parses {@code i/n}; {@code null} gives {@link #ALL}. */
	public static Shard parse(String value) {
		if (value == null || value.isBlank()) {
			return ALL;
		}
		String[] parts = value.split("/");
		try {
			if (parts.length == 2) {
				Shard shard = new Shard(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
				if (shard.count > 0 && shard.index >= 0 && shard.index < shard.count) {
					return shard;
				}
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		throw new UsageException(
				"Invalid --shard=%s: expected i/n with 0 <= i < n, e.g. --shard=0/3 for the first of three"
					.formatted(value));
	}

	@Override
	public String toString() {
		return this.index + "/" + this.count;
	}

}
