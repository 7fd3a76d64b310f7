package dev.healthscore.io.reading;

import java.util.Locale;

/**
 * How users are spread over shards by id: the one SQL condition that both the reader of a
 * shard and the partitioner of its user ids use, so that they agree on who is in it.
 */
public final class UserShards {

	private UserShards() {
	}

	/**
	 * Returns {@code AND <user_id is in the shard>} (with a leading space) to append to a
	 * {@code WHERE} clause on {@code user_id}, or an empty string when there is one
	 * shard. Negative ids land in a shard too.
	 * @param shardIndex the shard, {@code 0 <= shardIndex < shardCount}
	 * @param shardCount how many shards
	 * @return the condition
	 */
	public static String condition(int shardIndex, int shardCount) {
		return (shardCount > 1) ? String.format(Locale.ROOT, " AND ((user_id %% %d) + %d) %% %d = %d", shardCount,
				shardCount, shardCount, shardIndex) : "";
	}

	/**
	 * Whether {@code userId} is in the shard: the same test as {@link #condition}, for
	 * ids listed by hand.
	 * @param userId the user id, negative ones included
	 * @param shardIndex the shard, {@code 0 <= shardIndex < shardCount}
	 * @param shardCount how many shards
	 * @return whether the user is in the shard
	 */
	public static boolean contains(long userId, int shardIndex, int shardCount) {
		return Math.floorMod(userId, (long) shardCount) == shardIndex;
	}

}
