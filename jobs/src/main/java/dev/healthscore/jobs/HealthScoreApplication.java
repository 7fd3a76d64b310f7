package dev.healthscore.jobs;

import java.util.Map;

import dev.healthscore.jobs.cli.CommandLineParser;
import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.Invocation;
import dev.healthscore.jobs.cli.UsageException;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The health-score batch application: runs one job or command and exits with its code.
 */
@SpringBootApplication
@EnableConfigurationProperties(HealthScoreProperties.class)
public class HealthScoreApplication {

	public static void main(String[] args) {
		System.exit(run(args));
	}

	/**
	 * Parses the command line, runs it in a fresh application context and returns the
	 * exit code; a wrong command line exits {@link ExitCode#USAGE} before anything
	 * starts.
	 */
	public static int run(String... args) {
		return run(Map.of(), args);
	}

	/**
	 * As {@link #run(String...)}, with beans registered before the context starts: how
	 * tests and benchmarks give a {@code Clock} or an {@code ArchiveStepListener}.
	 */
	public static int run(Map<String, Object> beans, String... args) {
		Invocation invocation;
		try {
			invocation = CommandLineParser.parse(args);
		}
		catch (UsageException ex) {
			System.err.println(ex.getMessage());
			System.err.println(CommandLineParser.USAGE);
			return ExitCode.USAGE.code();
		}
		SpringApplication application = new SpringApplication(HealthScoreApplication.class);
		application.addInitializers((context) -> {
			context.getBeanFactory().registerSingleton("invocation", invocation);
			beans.forEach(context.getBeanFactory()::registerSingleton);
		});
		ConfigurableApplicationContext context = application.run(args);
		return SpringApplication.exit(context);
	}

}
