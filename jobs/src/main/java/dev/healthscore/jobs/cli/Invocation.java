package dev.healthscore.jobs.cli;

import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import dev.healthscore.jobs.recompute.UserIds;

/**
 * A parsed command line: the command, its job (for {@code run}) and its
 * {@code --name=value} options.
 *
 * @param command the command, e.g. {@code run}, {@code demo}, {@code generate}
 * @param job the job to run, for {@code run}; otherwise {@code null}
 * @param options the options by name, without their leading dashes; one given alone
 * ({@code --dry-run}) has the value {@code true}, as a flag
 * @param alone the options given alone, without {@code =}: a flag's way of being set, and
 * a missing value for any other option (which {@code --name=true} is not)
 * @param parameters the job parameters the options make, for {@code run <job>} and
 * {@code reprocess}, made once as the command line is parsed; otherwise empty
 * @param notes what the run should log about its parameters when it is made (a range it
 * lowered): the command line is parsed before the application has set up logging
 */
public record Invocation(String command, String job, Map<String, String> options, Set<String> alone,
		Map<String, String> parameters, List<String> notes) {

	/**
	 * A command line whose options have not been turned into job parameters (yet), each
	 * given with {@code =}.
	 * @param command the command
	 * @param job the job to run, or {@code null}
	 * @param options the options by name, without their leading dashes
	 */
	public Invocation(String command, String job, Map<String, String> options) {
		this(command, job, options, Set.of());
	}

	/**
	 * A command line whose options have not been turned into job parameters (yet).
	 * @param command the command
	 * @param job the job to run, or {@code null}
	 * @param options the options by name, without their leading dashes
	 * @param alone the options given without {@code =}, whose value is {@code true}
	 */
	public Invocation(String command, String job, Map<String, String> options, Set<String> alone) {
		this(command, job, options, Set.copyOf(alone), Map.of(), List.of());
	}

	/** This command line with the job parameters its options make, and their notes. */
	Invocation withParameters(Map<String, String> parameters, List<String> notes) {
		// in their order, as the job's options make them
		return new Invocation(this.command, this.job, this.options, this.alone,
				Collections.unmodifiableMap(new LinkedHashMap<>(parameters)), List.copyOf(notes));
	}

	/** Whether an option was given. */
	public boolean has(String name) {
		return this.options.containsKey(name);
	}

	/** An option's value, or {@code fallback} when absent. */
	public String option(String name, String fallback) {
		return this.options.getOrDefault(name, fallback);
	}

	/** A required date option. */
	public LocalDate date(String name) {
		String value = this.options.get(name);
		if (value == null) {
			throw new UsageException("Missing --%s=YYYY-MM-DD for %s".formatted(name, describe()));
		}
		return parseDate(name, value);
	}

	/** An optional date option. */
	public LocalDate date(String name, LocalDate fallback) {
		String value = this.options.get(name);
		return (value != null) ? parseDate(name, value) : fallback;
	}

	/** An optional ISO-8601 instant option, e.g. {@code 2025-01-31T02:00:00Z}. */
	public Instant instant(String name, Instant fallback) {
		String value = this.options.get(name);
		if (value == null) {
			return fallback;
		}
		requireValue(name, "2025-01-31T02:00:00Z");
		try {
			Instant instant = Instant.parse(value);
			// Instant.parse takes years up to a billion, which no date arithmetic holds
			int year = LocalDate.ofInstant(instant, ZoneOffset.UTC).getYear();
			if (year >= 1 && year <= 9999) {
				return instant;
			}
		}
		catch (DateTimeException ex) {
			// reported below
		}
		throw new UsageException(
				"Invalid --%s=%s: expected an ISO-8601 instant such as 2025-01-31T02:00:00Z".formatted(name, value));
	}

	/** An optional positive integer option. */
	public int positiveInt(String name, int fallback) {
		return positiveInt(name, fallback, Integer.MAX_VALUE, null);
	}

	/**
	 * An optional positive integer option with a bound of its own.
	 * @param name the option
	 * @param fallback its value when absent
	 * @param most the largest value it takes
	 * @param tooLarge the message that refuses a larger value, given the value as
	 * written: also that of a value too large for an {@code int}, which is above the
	 * bound too
	 * @return the value, 1 to {@code most}
	 * @throws UsageException when the value is not a whole number in that range
	 */
	public int positiveInt(String name, int fallback, int most, UnaryOperator<String> tooLarge) {
		return intBetween(name, fallback, 1, "a positive whole number", most, tooLarge);
	}

	/** An optional integer option that may be 0 but not negative. */
	public int nonNegativeInt(String name, int fallback) {
		return nonNegativeInt(name, fallback, Integer.MAX_VALUE, null);
	}

	/**
	 * An optional integer option that may be 0 but not negative, with a bound of its own.
	 * @param name the option
	 * @param fallback its value when absent
	 * @param most the largest value it takes
	 * @param tooLarge the message that refuses a larger value, given the value as
	 * written: also that of a value too large for an {@code int}, which is above the
	 * bound too
	 * @return the value, 0 to {@code most}
	 * @throws UsageException when the value is not a whole number in that range
	 */
	public int nonNegativeInt(String name, int fallback, int most, UnaryOperator<String> tooLarge) {
		return intBetween(name, fallback, 0, "a whole number, 0 or more", most, tooLarge);
	}

	private int intBetween(String name, int fallback, int least, String expected, int most,
			UnaryOperator<String> tooLarge) {
		String value = this.options.get(name);
		if (value == null) {
			return fallback;
		}
		requireValue(name, "N");
		BigInteger number;
		try {
			number = new BigInteger(value.replace("_", ""));
		}
		catch (NumberFormatException ex) {
			throw new UsageException("Invalid --%s=%s: expected %s".formatted(name, value, expected));
		}
		if (number.compareTo(BigInteger.valueOf(least)) < 0) {
			throw new UsageException("Invalid --%s=%s: expected %s".formatted(name, value, expected));
		}
		if (number.compareTo(BigInteger.valueOf(most)) > 0) {
			// also a number too large for an int: above the option's bound, whatever it
			// is
			throw new UsageException((tooLarge != null) ? tooLarge.apply(value)
					: "Invalid --%s=%s: expected %s, at most %d".formatted(name, value, expected, most));
		}
		return number.intValue();
	}

	/** An optional long option. */
	public long longValue(String name, long fallback) {
		String value = this.options.get(name);
		if (value == null) {
			return fallback;
		}
		requireValue(name, "N");
		try {
			return Long.parseLong(value);
		}
		catch (NumberFormatException ex) {
			throw new UsageException("Invalid --%s=%s: expected a whole number".formatted(name, value));
		}
	}

	/**
	 * An optional flag: {@code --name} alone or {@code --name=true} is true, absent or
	 * {@code --name=false} false.
	 */
	public boolean flag(String name) {
		String value = option(name, "false");
		if (!value.equals("true") && !value.equals("false")) {
			throw new UsageException(
					"Invalid --%s=%s: expected --%s alone, or =true or =false".formatted(name, value, name));
		}
		return Boolean.parseBoolean(value);
	}

	/**
	 * An optional comma-separated list of user ids, sorted and without duplicates; none
	 * when the option is absent. Given, it must list at least one id and no empty one:
	 * {@code --users=} (an unset shell variable) must not widen a run to every user.
	 */
	public long[] userIds(String name) {
		String value = this.options.get(name);
		if (value == null) {
			return new long[0];
		}
		requireValue(name, "ID,ID,...");
		try {
			if (Arrays.stream(value.split(",", -1)).anyMatch(String::isBlank)) {
				throw new NumberFormatException("an empty id");
			}
			return UserIds.parse(value);
		}
		catch (NumberFormatException ex) {
			throw new UsageException(("Invalid --%s=%s: expected one or more user ids separated by commas, e.g."
					+ " --%s=17,42; leave the option out to take every user")
				.formatted(name, value, name));
		}
	}

	/** Fails when any option is not one of {@code allowed}. */
	public void onlyOptions(String... allowed) {
		Set<String> unknown = new TreeSet<>(this.options.keySet());
		unknown.removeAll(Set.of(allowed));
		unknown.removeIf(Invocation::isSetting);
		if (!unknown.isEmpty() && allowed.length == 0) {
			throw new UsageException(
					"Unknown option(s) %s for %s: it takes none, only settings (--spring.*, --healthscore.*, --logging.*)"
						.formatted(unknown, describe()));
		}
		if (!unknown.isEmpty()) {
			throw new UsageException("Unknown option(s) %s for %s; expected: %s".formatted(unknown, describe(),
					Arrays.stream(allowed).map((a) -> "--" + a).toList()));
		}
	}

	/**
	 * Whether an option is a setting ({@code --spring.*}, {@code --healthscore.*},
	 * {@code --logging.*}), which any command takes: it changes how a command works, not
	 * what it does.
	 * @param name the option's name, without its leading dashes
	 * @return whether it is a setting
	 */
	public static boolean isSetting(String name) {
		return name.startsWith("spring.") || name.startsWith("healthscore.") || name.startsWith("logging.");
	}

	/**
	 * Whether an option was given alone, without {@code =} ({@code --dry-run}).
	 * @param name the option
	 * @return whether it was
	 */
	public boolean givenAlone(String name) {
		return this.alone.contains(name);
	}

	/**
	 * Refuses an option given alone, as a flag ({@code --days-back}), where it needs a
	 * value: the parser gives such an option the value {@code true}, which the option's
	 * own message would echo as if it had been written. A value written out
	 * ({@code --rearchive=true}) is the option's to judge.
	 * @param name the option
	 * @param form how its value is written, for the message
	 * @throws UsageException when the option was given alone
	 */
	public void requireValue(String name, String form) {
		if (givenAlone(name)) {
			throw new UsageException("Missing the value of --%s: write it as --%s=%s".formatted(name, name, form));
		}
	}

	private LocalDate parseDate(String name, String value) {
		requireValue(name, "YYYY-MM-DD");
		try {
			return LocalDate.parse(value);
		}
		catch (DateTimeParseException ex) {
			throw new UsageException("Invalid --%s=%s: expected a date as YYYY-MM-DD".formatted(name, value));
		}
	}

	private String describe() {
		return (this.job != null) ? "'" + this.command + " " + this.job + "'" : "'" + this.command + "'";
	}

}
