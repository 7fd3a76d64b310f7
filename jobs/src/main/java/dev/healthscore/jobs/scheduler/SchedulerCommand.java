package dev.healthscore.jobs.scheduler;

import java.sql.Connection;
import java.util.concurrent.CountDownLatch;

import javax.sql.DataSource;

import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.InProcessJobLauncher;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.schedules.JobStep;
import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.Schedules;
import org.quartz.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * The {@code scheduler} command: registers the catalogue of schedules in the clustered
 * Quartz scheduler (JDBC job store on the primary, so that two nodes never run the same
 * firing), starts it with a health endpoint, and runs until the process is asked to stop.
 */
@Component
public class SchedulerCommand {

	private static final Logger logger = LoggerFactory.getLogger(SchedulerCommand.class);

	private final Scheduler scheduler;

	private final InProcessJobLauncher launcher;

	private final DataSource dataSource;

	private final SchedulerProperties properties;

	private final CountDownLatch stopRequested = new CountDownLatch(1);

	public SchedulerCommand(Scheduler scheduler, InProcessJobLauncher launcher, DataSource dataSource,
			SchedulerProperties properties) {
		this.scheduler = scheduler;
		this.launcher = launcher;
		this.dataSource = dataSource;
		this.properties = properties;
	}

	/**
	 * Runs the scheduler until {@link #requestStop()}; returns the exit code.
	 * @throws UsageException when a schedule's job would refuse its settings at each
	 * firing, before anything is scheduled ({@code healthscore.scheduler.*} itself is
	 * checked where it is bound: {@link SchedulerProperties})
	 */
	public ExitCode run() throws Exception {
		Schedules catalogue = catalogue();
		checkSettings(catalogue);
		ScheduleRegistration.register(this.dataSource, this.scheduler, catalogue, this.launcher);
		this.scheduler.start();
		try (HealthEndpoint health = HealthEndpoint.start(this.properties.healthPort(), this::health)) {
			logger.info("Scheduler {} started with {} schedules; health on port {}",
					this.scheduler.getSchedulerInstanceId(), catalogue.definitions().size(), health.port());
			this.stopRequested.await();
		}
		finally {
			logger.info("Scheduler {} shutting down, waiting for running jobs",
					this.scheduler.getSchedulerInstanceId());
			this.scheduler.shutdown(true);
		}
		return ExitCode.COMPLETED;
	}

	/** Makes {@link #run()} return after shutting the scheduler down. */
	public void requestStop() {
		this.stopRequested.countDown();
	}

	/** The catalogue with its overridden crons, each logged. */
	private Schedules catalogue() {
		Schedules catalogue = this.properties.catalogue();
		for (ScheduleDefinition definition : Schedules.defaults().definitions()) {
			String cron = this.properties.cronOverrides().get(definition.name());
			if (cron != null) {
				logger.warn("Schedule {}: cron overridden to '{}' (catalogue: '{}'); EventBridge keeps the catalogue's",
						definition.name(), cron, definition.cron());
			}
		}
		return catalogue;
	}

	/**
	 * Refuses to start when the settings of a job that a schedule runs would refuse each
	 * of its firings (an archive's S3 client, a replica URL): found now, not at a firing
	 * hours or a month later.
	 */
	private void checkSettings(Schedules catalogue) {
		for (ScheduleDefinition definition : catalogue.definitions()) {
			for (JobStep step : definition.steps()) {
				try {
					this.launcher.checkSettings(step.job());
				}
				catch (UsageException ex) {
					throw new UsageException(
							"Cannot start the scheduler: schedule %s would be refused at each firing: %s"
								.formatted(definition.name(), ex.getMessage()));
				}
			}
		}
	}

	private HealthEndpoint.Health health() {
		boolean running;
		String instance;
		try {
			running = this.scheduler.isStarted() && !this.scheduler.isShutdown();
			instance = this.scheduler.getSchedulerInstanceId();
		}
		catch (Exception ex) {
			return new HealthEndpoint.Health(false, "\"scheduler\":\"unavailable\"");
		}
		boolean database;
		try (Connection connection = this.dataSource.getConnection()) {
			database = connection.isValid(2);
		}
		catch (Exception ex) {
			database = false;
		}
		return new HealthEndpoint.Health(running && database,
				"\"scheduler\":\"%s\",\"instance\":\"%s\",\"database\":\"%s\""
					.formatted(running ? "started" : "stopped", instance, database ? "up" : "down"));
	}

}
