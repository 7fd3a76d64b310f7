package dev.healthscore.io;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.slf4j.MDC;

/**
 * Carries the logging context (the SLF4J MDC: which job execution and step a line belongs
 * to) of the thread that hands a task to another thread onto that task, so that the lines
 * our worker threads log are found with the rest of their run. The task runs with the
 * context its creator had when it was wrapped; afterwards its thread gets back the
 * context it had before, so that a pooled thread carries nothing into its next task.
 */
public final class LogContext {

	private LogContext() {
	}

	/**
	 * Returns a task that runs {@code task} with the calling thread's current logging
	 * context.
	 * @param task the task
	 * @return the task with the context
	 */
	public static Runnable carry(Runnable task) {
		Map<String, String> context = MDC.getCopyOfContextMap();
		return () -> within(context, () -> {
			task.run();
			return null;
		});
	}

	/**
	 * Returns a supplier that runs {@code task} with the calling thread's current logging
	 * context, as {@link #carry(Runnable)}.
	 * @param <T> the type of the result
	 * @param task the task
	 * @return the task with the context
	 */
	public static <T> Supplier<T> carrySupplier(Supplier<T> task) {
		Map<String, String> context = MDC.getCopyOfContextMap();
		return () -> within(context, task::get);
	}

	/**
	 * Returns a callable that runs {@code task} with the calling thread's current logging
	 * context, as {@link #carry(Runnable)}.
	 * @param <T> the type of the result
	 * @param task the task
	 * @return the task with the context
	 */
	public static <T> Callable<T> carryCallable(Callable<T> task) {
		Map<String, String> context = MDC.getCopyOfContextMap();
		return () -> within(context, task::call);
	}

	/** Runs {@code task} with {@code context}, then gives the thread back its own. */
	private static <T, E extends Exception> T within(Map<String, String> context, Task<T, E> task) throws E {
		Map<String, String> previous = replace(context);
		try {
			return task.run();
		}
		finally {
			replace(previous);
		}
	}

	/** A task that may throw {@code E}. */
	@FunctionalInterface
	private interface Task<T, E extends Exception> {

		T run() throws E;

	}

	/** Sets this thread's context, returning the one it replaces. */
	private static Map<String, String> replace(Map<String, String> context) {
		Map<String, String> previous = MDC.getCopyOfContextMap();
		if (context == null || context.isEmpty()) {
			MDC.clear();
		}
		else {
			MDC.setContextMap(context);
		}
		return previous;
	}

}
