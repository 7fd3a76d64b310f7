package dev.healthscore.io;

import java.util.function.Predicate;

/**
 * Looks through an exception and its chain of causes, as the callers that tell failures
 * apart do (a recovery conflict, a lost connection, an invalid time zone, an S3 outage):
 * the exception that says why is often wrapped by Spring, the SDK or the job.
 */
public final class Causes {

	/** Causes looked at, at most: a chain that loops back on itself ends there. */
	private static final int MAX_DEPTH = 32;

	private Causes() {
	}

	/**
	 * Returns {@code failure} or the first of its causes that {@code test} accepts.
	 * @param failure the exception, may be null
	 * @param test what to look for
	 * @return the exception found, or null
	 */
	public static Throwable find(Throwable failure, Predicate<Throwable> test) {
		Throwable cause = failure;
		for (int depth = 0; cause != null && depth < MAX_DEPTH; depth++, cause = cause.getCause()) {
			if (test.test(cause)) {
				return cause;
			}
		}
		return null;
	}

	/**
	 * Returns the last of {@code failure} and its causes that {@code test} accepts: the
	 * innermost, which says why when the outer ones say what was being done.
	 * @param failure the exception, may be null
	 * @param test what to look for
	 * @return the exception found, or null
	 */
	public static Throwable last(Throwable failure, Predicate<Throwable> test) {
		Throwable found = null;
		Throwable cause = failure;
		for (int depth = 0; cause != null && depth < MAX_DEPTH; depth++, cause = cause.getCause()) {
			if (test.test(cause)) {
				found = cause;
			}
		}
		return found;
	}

	/**
	 * Describes a failure on one line of text: its message, then the class and message of
	 * each cause that adds one ({@code "…; caused by SdkClientException: …"}), since the
	 * outermost message often only says what was being done (which object, which
	 * database), and a cause why it failed (what the server said).
	 * @param failure the failure
	 * @return the description, possibly with line breaks of the messages
	 */
	public static String describe(Throwable failure) {
		StringBuilder text = new StringBuilder(
				(failure.getMessage() != null) ? failure.getMessage() : failure.getClass().getName());
		int depth = 0;
		for (Throwable cause = failure.getCause(); cause != null && depth < MAX_DEPTH; cause = cause.getCause()) {
			depth++;
			String message = cause.getMessage();
			if (text.indexOf((message != null) ? message : cause.getClass().getName()) >= 0) {
				continue; // a wrapper that repeats its cause, or the reverse
			}
			text.append("; caused by ").append(cause.getClass().getSimpleName());
			if (message != null) {
				text.append(": ").append(message);
			}
		}
		return text.toString();
	}

	/**
	 * Returns whether {@code failure} or one of its causes is what {@code test} accepts.
	 * @param failure the exception, may be null
	 * @param test what to look for
	 * @return whether one is
	 */
	public static boolean anyMatch(Throwable failure, Predicate<Throwable> test) {
		return find(failure, test) != null;
	}

}
