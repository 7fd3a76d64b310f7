package dev.healthscore.jobs.cli;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The command-line face of one job: its name, options and usage, and how its options
 * become job parameters. Checked before the application starts, so a wrong option costs
 * nothing.
 */
public interface JobOptions {

	/** The job's name, as in {@code run <name>}; also the Spring Batch job's name. */
	String name();

	/** The options the job takes, without dashes. */
	List<String> options();

	/**
	 * Whether the job takes {@code --scheduled-time} (what schedules pass) beside the
	 * other options of {@code invocation}, which the parser then checks against the
	 * clock; a job that takes none there (restore; a range given as {@code --from}/
	 * {@code --to}) refuses it in {@link #parameters(Invocation)}, whatever its value,
	 * saying why.
	 * @param invocation the command line
	 */
	default boolean takesScheduledTime(Invocation invocation) {
		return true;
	}

	/**
	 * One usage line per form of the command, e.g. {@code run recompute --from=… --to=…}.
	 */
	String usage();

	/**
	 * Validates the invocation's options and turns them into identifying job parameters,
	 * logging what the run should say about them (a range it lowered).
	 * @throws UsageException when an option is missing or invalid
	 */
	Map<String, String> parameters(Invocation invocation);

	/**
	 * As {@link #parameters(Invocation)}, but hands what the run should say about them to
	 * {@code notes} instead of logging it: the command line is parsed once, before the
	 * application has set up logging, and the run logs the notes when it is made.
	 * @throws UsageException when an option is missing or invalid
	 */
	default Map<String, String> parameters(Invocation invocation, Consumer<String> notes) {
		return parameters(invocation);
	}

}
