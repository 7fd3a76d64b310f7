package dev.healthscore.jobs;

import java.time.ZoneOffset;
import java.util.Map;
import java.util.TimeZone;

import dev.healthscore.io.Causes;
import dev.healthscore.io.jdbc.ConnectionRefusal;
import dev.healthscore.jobs.cli.CommandLineParser;
import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.GracefulShutdown;
import dev.healthscore.jobs.cli.GuardProperties;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.jobs.metrics.CloudWatchRegion;
import dev.healthscore.jobs.scheduler.SchedulerProperties;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The health-score batch application: runs one job or command and exits with its code.
 */
@SpringBootApplication
@EnableConfigurationProperties({ HealthScoreProperties.class, SchedulerProperties.class, GuardProperties.class })
public class HealthScoreApplication {

	/**
	 * Runs the command line in this process and exits with its code. The process's
	 * default zone is UTC whatever its host's: Spring Batch keeps and stores an
	 * execution's start and end as local times of it, without the zone, so every process
	 * keeps them in one zone for another ({@code status} on a laptop, a job run on a
	 * scheduler host, the containers) to read them right.
	 */
	public static void main(String[] args) {
		TimeZone.setDefault(TimeZone.getTimeZone(ZoneOffset.UTC));
		GracefulShutdown shutdown = new GracefulShutdown().register();
		int exitCode = ExitCode.FAILED.code();
		try {
			exitCode = run(shutdown, Map.of(), args);
		}
		finally {
			if (!shutdown.finished(exitCode)) {
				System.exit(exitCode);
			}
		}
	}

	/**
	 * Parses the command line, runs it in a fresh application context and returns the
	 * exit code; a wrong command line exits {@link ExitCode#USAGE} before anything
	 * starts.
	 */
	public static int run(String... args) {
		return run(null, Map.of(), args);
	}

	/**
	 * As {@link #run(String...)}, with beans registered before the context starts: how
	 * tests and benchmarks give a {@code Clock} or an {@code ArchiveStepListener}.
	 */
	public static int run(Map<String, Object> beans, String... args) {
		return run(null, beans, args);
	}

	private static int run(GracefulShutdown shutdown, Map<String, Object> beans, String... args) {
		Invocation invocation;
		try {
			String help = CommandLineParser.help(args);
			if (help != null) {
				System.out.println(help);
				return ExitCode.COMPLETED.code();
			}
			invocation = CommandLineParser.parse(args);
		}
		catch (UsageException ex) {
			System.err.println(ex.getMessage());
			System.err.println(CommandLineParser.usageFor(args));
			return ExitCode.USAGE.code();
		}
		SpringApplication application = new SpringApplication(HealthScoreApplication.class);
		application.addInitializers((context) -> {
			// first: a misspelt setting is a usage error, before anything starts
			UnknownSettings.check(context.getEnvironment());
			SettingValues.check(context.getEnvironment());
			BlankDatabaseUrl.check(context.getEnvironment());
			MalformedDatabaseUrl.check(context.getEnvironment());
			// before the embedded database starts, which the metrics' client would fail
			// after
			CloudWatchRegion.check(context.getEnvironment());
			context.getBeanFactory().registerSingleton("invocation", invocation);
			beans.forEach(context.getBeanFactory()::registerSingleton);
		});
		if (shutdown != null) {
			// our hook stops a running job gracefully; Spring Boot's would close the
			// pool under it
			application.setRegisterShutdownHook(false);
			application.addInitializers(shutdown::started);
		}
		ConfigurableApplicationContext context;
		try {
			context = application.run(args);
		}
		catch (RuntimeException ex) {
			if (Causes.anyMatch(ex, HealthScoreApplication::isBadProperty)) {
				// a failure analyzer (Spring Boot's or ours) has logged which setting is
				// wrong and what it accepts
				return ExitCode.USAGE.code();
			}
			if (Causes.anyMatch(ex, ConnectionRefusal::isRefusal)) {
				// DatabaseConnectionFailureAnalyzer has logged which database, why and
				// what to check; nothing started, and the same command runs once it
				// connects
				return ExitCode.FAILED.code();
			}
			throw ex;
		}
		return SpringApplication.exit(context);
	}

	/**
	 * Whether one exception of a start's failure says a property has a value it cannot
	 * bind or that its class refuses, a {@code healthscore.*} setting is unknown, the
	 * database URL is given empty or is not a PostgreSQL JDBC URL, or CloudWatch metrics
	 * are enabled without a region: a usage error, nothing ran.
	 */
	private static boolean isBadProperty(Throwable cause) {
		return cause instanceof BindException || cause instanceof UnknownSettings.UnknownSettingsException
				|| cause instanceof BlankDatabaseUrl.BlankDatabaseUrlException
				|| cause instanceof MalformedDatabaseUrl.MalformedDatabaseUrlException
				|| cause instanceof CloudWatchRegion.CloudWatchRegionException;
	}

}
