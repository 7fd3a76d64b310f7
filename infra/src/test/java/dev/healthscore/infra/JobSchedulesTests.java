package dev.healthscore.infra;

import java.util.List;

import dev.healthscore.schedules.MisfirePolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class JobSchedulesTests {

	@Test
	void containerOverridesAreJsonWithEscapedArguments() {
		assertThat(JobSchedules.containerOverrides(List.of("run", "say \"hi\"\\", "tab\t"))).isEqualTo(
				"{\"containerOverrides\":[{\"name\":\"app\",\"command\":[\"run\",\"say \\\"hi\\\"\\\\\",\"tab\\u0009\"]}]}");
	}

	@Test
	void fireOnceNowRetriesStartingForADayAndSkipDoesNot() {
		assertThat(JobSchedules.retryPolicy(MisfirePolicy.FIRE_ONCE_NOW).getMaximumEventAgeInSeconds())
			.isEqualTo(86400);
		assertThat(JobSchedules.retryPolicy(MisfirePolicy.SKIP).getMaximumRetryAttempts()).isEqualTo(0);
	}

	@Test
	void tableSpecsKeepThePartitionKeyOutOfTheColumns() {
		assertThat(AthenaTables.HEALTH_READING.columns()).extracting(ColumnSpec::name)
			.containsExactly("user_id", "metric", "recorded_at", "recorded_at_micros", "value", "source", "ingested_at",
					"ingested_at_micros");
		assertThat(AthenaTables.HEALTH_SCORE.columns()).extracting(ColumnSpec::name)
			.containsExactly("user_id", "score_date", "score", "activity_score", "sleep_score", "heart_score",
					"completeness", "algorithm_version", "inputs_as_of", "inputs_as_of_micros", "computed_at",
					"computed_at_micros", "input_count", "input_hash", "row_hash");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new TableSpec("t", "d", List.of(new ColumnSpec("month", "string", "c")), null))
			.withMessage("Table 't' has a column named like its partition key 'month'");
	}

}
