package dev.healthscore.bench;

import java.util.Arrays;
import java.util.List;

/** The benchmarks' {@code --name=value} options. */
final class BenchOptions {

	private BenchOptions() {
	}

	/** The value of {@code --name=}, or {@code fallback}. */
	static String option(String[] args, String name, String fallback) {
		for (String arg : args) {
			if (arg.startsWith("--" + name + "=")) {
				return arg.substring(name.length() + 3);
			}
		}
		return fallback;
	}

	/**
	 * The number of {@code --name=} ({@code _} allowed between digits), or
	 * {@code fallback}.
	 */
	static long option(String[] args, String name, long fallback) {
		return Long.parseLong(option(args, name, Long.toString(fallback)).replace("_", ""));
	}

	/**
	 * The value of {@code --name=}, one of {@code choices}, or the first of them.
	 * @throws IllegalArgumentException for any other value
	 */
	static String choice(String[] args, String name, String... choices) {
		String value = option(args, name, choices[0]);
		List<String> allowed = Arrays.asList(choices);
		if (!allowed.contains(value)) {
			throw new IllegalArgumentException(
					"--%s must be %s, was %s".formatted(name, String.join(" or ", allowed), value));
		}
		return value;
	}

}
