package dev.healthscore.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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
		String value = option(args, name, Long.toString(fallback));
		try {
			return Long.parseLong(value.replace("_", ""));
		}
		catch (NumberFormatException ex) {
			throw new BadOption("--%s must be a whole number, was %s".formatted(name, value));
		}
	}

	/**
	 * The number of {@code --name=}, or {@code fallback}, which must lie in
	 * {@code min..max}.
	 */
	static long option(String[] args, String name, long fallback, long min, long max) {
		long value = option(args, name, fallback);
		if (value < min || value > max) {
			throw new BadOption(String.format(Locale.ROOT, "--%s must be %d to %d, was %d", name, min, max, value));
		}
		return value;
	}

	/**
	 * The value of {@code --name=}, one of {@code choices}, or the first of them.
	 * @throws BadOption for any other value
	 */
	static String choice(String[] args, String name, String... choices) {
		String value = option(args, name, choices[0]);
		List<String> allowed = Arrays.asList(choices);
		if (!allowed.contains(value)) {
			throw new BadOption("--%s must be %s, was %s".formatted(name, String.join(" or ", allowed), value));
		}
		return value;
	}

	/** An option the benchmark cannot run with. */
	static final class BadOption extends IllegalArgumentException {

		BadOption(String message) {
			super(message);
		}

	}

}
