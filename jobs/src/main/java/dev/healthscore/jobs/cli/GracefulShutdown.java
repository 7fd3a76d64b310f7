package dev.healthscore.jobs.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.healthscore.jobs.scheduler.SchedulerCommand;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stops a running job gracefully on SIGTERM (ECS stopping a task): the job is asked to
 * stop after its current chunk, the application closes normally, and the process exits
 * with {@link ExitCode#STOPPED} so that rerunning the same command resumes the job. It
 * replaces Spring Boot's shutdown hook, which would close the database pool under the
 * running job.
 */
public final class GracefulShutdown {

	private static final Logger logger = LoggerFactory.getLogger(GracefulShutdown.class);

	/** ECS waits 30 s by default between SIGTERM and SIGKILL: leave room to close. */
	private static final Duration STOP_TIMEOUT = Duration.ofSeconds(25);

	private final AtomicReference<ConfigurableApplicationContext> context = new AtomicReference<>();

	private final CountDownLatch finished = new CountDownLatch(1);

	private final AtomicInteger exitCode = new AtomicInteger(ExitCode.STOPPED.code());

	private volatile boolean shuttingDown;

	/** Registers the JVM shutdown hook. */
	public GracefulShutdown register() {
		Runtime.getRuntime().addShutdownHook(new Thread(this::onSignal, "graceful-shutdown"));
		return this;
	}

	/** Called once the application context exists. */
	public void started(ConfigurableApplicationContext context) {
		this.context.set(context);
	}

	/**
	 * Called by the main thread when the application has finished and closed.
	 * @return whether a shutdown is in progress (the main thread must then not call
	 * {@code System.exit}: the hook ends the process)
	 */
	public boolean finished(int exitCode) {
		this.exitCode.set(exitCode);
		this.finished.countDown();
		return this.shuttingDown;
	}

	private void onSignal() {
		if (this.finished.getCount() == 0) {
			return; // normal exit: nothing left to stop
		}
		this.shuttingDown = true;
		requestStop(this.context.get());
		try {
			if (!this.finished.await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
				logger.error("The job did not stop within {} s; exiting, its execution stays STARTED",
						STOP_TIMEOUT.toSeconds());
				Runtime.getRuntime().halt(ExitCode.FAILED.code());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			logger.error("Interrupted while waiting for the application to close");
		}
		// the main thread's exit code: a request to stop that failed must not replace it
		Runtime.getRuntime().halt(this.exitCode.get());
	}

	/**
	 * Asks the running job, if any, and the scheduler, if this is one, to stop. A failure
	 * is logged: the application is still waited for, so that its exit code is the one
	 * the process ends with.
	 */
	private static void requestStop(ConfigurableApplicationContext context) {
		try {
			if (context != null && context.isActive()) {
				context.getBeanProvider(SchedulerCommand.class).ifAvailable(SchedulerCommand::requestStop);
				boolean stopping = context.getBean(JobRunner.class).stopRunning();
				logger.warn("Shutdown requested: {}",
						stopping ? "stopping the running job after its current chunk" : "no job running, closing");
			}
		}
		catch (Exception ex) {
			logger.error("Could not ask the running job to stop: {}", ex.getMessage(), ex);
		}
	}

}
