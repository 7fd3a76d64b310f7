package dev.healthscore.jobs.recompute;

import java.util.Arrays;

/**
 * The {@code users} job parameter: user ids separated by commas, or empty for all users.
 */
public final class UserIds {

	private UserIds() {
	}

	/** Parses the parameter; {@code null} or blank gives no ids. */
	public static long[] parse(String users) {
		if (users == null || users.isBlank()) {
			return new long[0];
		}
		return Arrays.stream(users.split(","))
			.map(String::trim)
			.filter((s) -> !s.isEmpty())
			.mapToLong(Long::parseLong)
			.sorted()
			.distinct()
			.toArray();
	}

	/** Formats ids as the parameter. */
	public static String format(long[] ids) {
		return String.join(",", Arrays.stream(ids).mapToObj(Long::toString).toList());
	}

}
