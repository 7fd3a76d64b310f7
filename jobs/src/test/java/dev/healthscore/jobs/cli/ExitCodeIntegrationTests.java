package dev.healthscore.jobs.cli;

import dev.healthscore.jobs.HealthScoreApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(OutputCaptureExtension.class)
class ExitCodeIntegrationTests {

	@Test
	void aWrongCommandLineExitsWithTheUsageCodeBeforeAnythingStarts(CapturedOutput output) {
		assertThat(HealthScoreApplication.run("run", "recompute", "--from=2025-01-01", "x")).isEqualTo(2);
		assertThat(output.getErr()).contains("Unexpected argument 'x'").contains("Usage:");
		assertThat(output.getOut()).doesNotContain("embedded PostgreSQL");
	}

	@Test
	void helpPrintsTheUsageToStandardOutputAndExitsZeroBeforeAnythingStarts(CapturedOutput output) {
		for (String help : new String[] { "help", "--help", "-h" }) {
			assertThat(HealthScoreApplication.run(help)).isZero();
		}
		assertThat(HealthScoreApplication.run("run", "recompute", "--help")).isZero();
		assertThat(output.getOut()).contains(CommandLineParser.USAGE).contains("run recompute --days-back=N");
		assertThat(output.getErr()).isEmpty();
		// the usage mentions the embedded database: no application started
		assertThat(output.getOut()).doesNotContain("Starting HealthScoreApplication");
		assertThat(HealthScoreApplication.run("help", "stauts")).isEqualTo(2);
		assertThat(output.getErr()).contains("Unknown command 'stauts'").contains("Usage:");
		assertThat(HealthScoreApplication.run("help", "status", "extra")).isEqualTo(2);
		assertThat(output.getErr()).contains("Unexpected 'extra' after 'help status'");
		assertThat(HealthScoreApplication.run("help", "status", "--limit=3")).isEqualTo(2);
		assertThat(output.getErr()).contains("Unexpected option --limit after 'help status'");
	}

	@Test
	void aBadDateExitsWithTheUsageCodeAndSaysWhatIsExpected(CapturedOutput output) {
		assertThat(HealthScoreApplication.run("run", "recompute", "--from=2025-02-30", "--to=2025-03-01")).isEqualTo(2);
		assertThat(output.getErr()).contains("Invalid --from=2025-02-30: expected a date as YYYY-MM-DD");
		// the command's own usage under the error, not the other commands' 40 lines
		assertThat(output.getErr()).contains("run recompute --from=YYYY-MM-DD --to=YYYY-MM-DD")
			.contains("(every command: 'help')")
			.doesNotContain("generate --users=N --days=D");
	}

	@Test
	void aReversedRangeExitsWithTheUsageCode(CapturedOutput output) {
		assertThat(HealthScoreApplication.run("run", "recompute", "--from=2025-03-01", "--to=2025-02-01")).isEqualTo(2);
		assertThat(output.getErr()).contains("--to must not be before --from");
	}

	@Test
	void aPropertyWithABadValueExitsWithTheUsageCode(CapturedOutput output) {
		assertThat(HealthScoreApplication.run("run", "recompute", "--days-back=2",
				"--healthscore.replica.lag-policy=fial"))
			.isEqualTo(2);
		assertThat(output).contains("healthscore.replica.lag-policy").contains("fial");
		assertThat(
				HealthScoreApplication.run("run", "recompute", "--days-back=2", "--healthscore.recompute.chunk-size=0"))
			.isEqualTo(2);
		assertThat(output).contains("Invalid healthscore.recompute.chunk-size=0: expected a positive number");
		// checked where it is bound, not by the replica gate's builder (its field maxLag,
		// a start that failed with exit code 1)
		assertThat(
				HealthScoreApplication.run("run", "recompute", "--days-back=2", "--healthscore.replica.max-lag=-30s"))
			.isEqualTo(2);
		assertThat(output).contains("Invalid healthscore.replica.max-lag=-30s: must not be negative");
		// checked where it is bound, not by the guard's constructor (a start that failed
		// with exit code 1 and a stack trace)
		assertThat(HealthScoreApplication.run("run", "recompute", "--days-back=2",
				"--healthscore.guard.heartbeat-interval=-5s"))
			.isEqualTo(2);
		assertThat(output).contains("Invalid healthscore.guard.heartbeat-interval, must not be negative: -5s");
		// refused before the embedded database (and its replica) started for nothing
		assertThat(output).doesNotContain("started embedded PostgreSQL");
	}

	@Test
	void aSchedulerSettingThatIsRefusedExitsWithTheUsageCodeBeforeTheDatabaseStarts(CapturedOutput output) {
		assertThat(HealthScoreApplication.run("scheduler", "--healthscore.scheduler.cron-overrides.nightly=0 0 1 * *"))
			.isEqualTo(2);
		assertThat(output).contains("Invalid healthscore.scheduler.cron-overrides.nightly=0 0 1 * *: Invalid cron"
				+ " expression, expected 6 fields");
		assertThat(
				HealthScoreApplication.run("scheduler", "--healthscore.scheduler.cron-overrides.nighlty=0 * * * * ?"))
			.isEqualTo(2);
		assertThat(output).contains("Unknown schedule 'nighlty' in healthscore.scheduler.cron-overrides: expected one"
				+ " of [nightly, partitions-daily, archive-monthly]");
		assertThat(HealthScoreApplication.run("scheduler", "--healthscore.scheduler.health-port=65536")).isEqualTo(2);
		assertThat(output).contains("Invalid healthscore.scheduler.health-port=65536: expected a port from 0 to 65535");
		// refused before the embedded database (and its replica) started for nothing
		assertThat(output).doesNotContain("started embedded PostgreSQL");
	}

	@Test
	void anS3TimeoutThatIsNotAPositiveDurationExitsWithTheUsageCodeNamingIt(CapturedOutput output) {
		assertThat(HealthScoreApplication.run("run", "archive", "--healthscore.archive.read-timeout=0s")).isEqualTo(2);
		assertThat(output).contains("Invalid healthscore.archive.read-timeout, must be positive: 0s");
		assertThat(HealthScoreApplication.run("run", "archive", "--healthscore.archive.api-call-timeout=soon"))
			.isEqualTo(2);
		assertThat(output).contains("healthscore.archive.api-call-timeout").contains("soon");
		assertThat(output).doesNotContain("Archive in s3://").doesNotContain("started embedded PostgreSQL");
	}

	@Test
	void aMisspeltSettingExitsWithTheUsageCodeBeforeAnythingStartsAndNamesTheSettingItMeant(CapturedOutput output) {
		// Spring Boot alone ignores it: the run would go on with a 10m ingest margin
		assertThat(HealthScoreApplication.run("run", "reconcile", "--days-back=2",
				"--healthscore.reconcile.ingest-margn=1h"))
			.isEqualTo(2);
		assertThat(output).contains("healthscore.reconcile.ingest-margn (commandLineArgs)")
			.contains("did you mean healthscore.reconcile.ingest-margin?")
			.contains("Correct the name or remove the setting")
			.doesNotContain("embedded PostgreSQL")
			.doesNotContain("at dev.healthscore");
	}

	@Test
	void cloudWatchMetricsWithoutARegionExitWithTheUsageCodeNamingWhatToSet(CapturedOutput output) {
		assumeTrue(System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null
				&& System.getProperty("aws.region") == null, "no region in the environment");
		// not the instance metadata service, which a build on EC2 would have; nor a
		// profile of the build's user
		System.setProperty("aws.disableEc2Metadata", "true");
		System.setProperty("aws.configFile", "/nonexistent/aws-config");
		try {
			// status too: every command publishes its metrics
			assertThat(HealthScoreApplication.run("status", "--healthscore.metrics.cloudwatch-enabled=true"))
				.isEqualTo(2);
		}
		finally {
			System.clearProperty("aws.disableEc2Metadata");
			System.clearProperty("aws.configFile");
		}
		assertThat(output)
			.contains("Cannot publish metrics to CloudWatch (healthscore.metrics.cloudwatch-enabled=true):"
					+ " no AWS region found. Set AWS_REGION (or the aws.region system property, or a region in the AWS"
					+ " profile), or set healthscore.metrics.cloudwatch-enabled=false")
			.doesNotContain("at software.amazon")
			.doesNotContain("at dev.healthscore");
	}

}
