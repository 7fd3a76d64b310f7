package dev.healthscore.jobs;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A setting whose value does not convert to its type ended with Spring Boot's generic
 * "Update your application's configuration": it is now named, with its value, what it
 * takes and what to do; still a usage error (exit code 2) before anything starts.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnconvertibleSettingIntegrationTests {

	@Test
	void aSettingThatDoesNotConvertIsNamedWithItsValueAndWhatItTakes(CapturedOutput output) {
		Map<String, String> expected = Map.of("--healthscore.recompute.chunk-size=abc",
				"Invalid healthscore.recompute.chunk-size=abc: expected a whole number",
				"--healthscore.guard.heartbeat-interval=soon",
				"Invalid healthscore.guard.heartbeat-interval=soon: expected a duration with its unit, such as 500ms,"
						+ " 30s, 10m, 2h or 1d",
				"--healthscore.metrics.cloudwatch-enabled=maybe",
				"Invalid healthscore.metrics.cloudwatch-enabled=maybe: expected true or false",
				"--healthscore.archive.part-size=lots",
				"Invalid healthscore.archive.part-size=lots: expected a size with its unit, such as 512KB, 64MB or 1GB");
		expected.forEach((argument, message) -> {
			int start = output.toString().length();
			assertThat(HealthScoreApplication.run("run", "recompute", "--days-back=2", argument)).as(argument)
				.isEqualTo(2);
			String setting = argument.substring(2, argument.indexOf('='));
			assertThat(output.toString().substring(start)).as(argument)
				.contains(message + " (\"" + setting + "\" from property source \"commandLineArgs\").")
				.contains("Give " + setting + " ")
				.contains("then run the same command again: nothing has started.")
				.doesNotContain("Update your application's configuration")
				.doesNotContain("embedded PostgreSQL");
		});
	}

	@Test
	void anEnumSettingSaysItsValues(CapturedOutput output) {
		assertThat(HealthScoreApplication.run("run", "recompute", "--days-back=2",
				"--healthscore.replica.lag-policy=fial"))
			.isEqualTo(2);
		assertThat(output).contains("Invalid healthscore.replica.lag-policy=fial: expected one of ")
			.doesNotContain("Update your application's configuration");
	}

	@Test
	void aValueOfTheRightTypeThatItsClassRefusesKeepsItsClasssMessage(CapturedOutput output) {
		assertThat(
				HealthScoreApplication.run("run", "recompute", "--days-back=2", "--healthscore.recompute.chunk-size=0"))
			.isEqualTo(2);
		assertThat(output).contains("Invalid healthscore.recompute.chunk-size=0: expected a positive number")
			.doesNotContain("expected a whole number");
	}

}
