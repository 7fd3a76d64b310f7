package dev.healthscore.schedules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One job run of a schedule: the job and its parameters.
 *
 * @param job the job's name, one of {@link JobNames#ALL}
 * @param parameters the job's parameters, sorted by name so that commands are stable
 */
public record JobStep(String job, Map<String, String> parameters) {

	private static final Pattern PARAMETER_NAME = Pattern.compile("[a-z][a-z0-9-]*");

	private static final Pattern PARAMETER_VALUE = Pattern.compile("\\S+");

	public JobStep {
		Objects.requireNonNull(job, "A job name is required");
		if (!JobNames.ALL.contains(job)) {
			throw new IllegalArgumentException("Unknown job '%s', expected one of %s".formatted(job, JobNames.ALL));
		}
		Objects.requireNonNull(parameters, "Parameters are required, use an empty map for none");
		parameters.forEach((name, value) -> {
			if (name == null || !PARAMETER_NAME.matcher(name).matches()) {
				throw new IllegalArgumentException(
						"Invalid parameter name '%s' of job '%s', expected kebab-case".formatted(name, job));
			}
			if (ScheduleParameters.SCHEDULED_TIME.equals(name)) {
				throw new IllegalArgumentException(
						"Parameter '%s' of job '%s' is reserved, the schedulers set it".formatted(name, job));
			}
			if (value == null || !PARAMETER_VALUE.matcher(value).matches()) {
				throw new IllegalArgumentException(
						"Invalid value '%s' of parameter '%s' of job '%s', expected no blanks".formatted(value, name,
								job));
			}
		});
		parameters = Collections.unmodifiableSortedMap(new TreeMap<>(parameters));
	}

	/**
	 * Creates a step from alternating parameter names and values.
	 * @param job the job's name
	 * @param namesAndValues parameter names and values, for example
	 * {@code "days-back", "2"}
	 * @return the step
	 */
	public static JobStep of(String job, String... namesAndValues) {
		if (namesAndValues.length % 2 != 0) {
			throw new IllegalArgumentException(
					String.format(Locale.ROOT, "Parameters of job '%s' must come in name-value pairs, got %d strings",
							job, namesAndValues.length));
		}
		Map<String, String> parameters = new TreeMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			parameters.put(namesAndValues[i], namesAndValues[i + 1]);
		}
		return new JobStep(job, parameters);
	}

	/**
	 * Returns the parameters as command-line arguments.
	 * @return one {@code --name=value} per parameter
	 */
	public List<String> arguments() {
		List<String> arguments = new ArrayList<>();
		this.parameters.forEach((name, value) -> arguments.add("--" + name + "=" + value));
		return List.copyOf(arguments);
	}

	@Override
	public String toString() {
		return (this.job + " " + String.join(" ", arguments())).strip();
	}

}
