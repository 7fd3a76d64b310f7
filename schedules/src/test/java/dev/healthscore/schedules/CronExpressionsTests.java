package dev.healthscore.schedules;

import java.text.ParseException;
import java.time.DayOfWeek;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Date;
import java.util.TimeZone;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quartz.CronExpression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class CronExpressionsTests {

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			0 0 2 * * ?            | cron(0 2 * * ? *)
			0 30 1 * * ?           | cron(30 1 * * ? *)
			0 0 5 2 * ?            | cron(0 5 2 * ? *)
			0 0/15 * * * ?         | cron(0/15 * * * ? *)
			0 0 9 ? * MON-FRI      | cron(0 9 ? * MON-FRI *)
			0 0 3 ? * 6#3          | cron(0 3 ? * 6#3 *)
			0 0 4 L * ?            | cron(0 4 L * ? *)
			0 0 4 15W JAN,JUL ?    | cron(0 4 15W JAN,JUL ? *)
			0 0 4 1 * ? 2030       | cron(0 4 1 * ? 2030)
			""")
	void convertsBothWays(String quartz, String eventBridge) {
		assertThat(CronExpressions.toEventBridge(quartz)).isEqualTo(eventBridge);
		assertThat(CronExpressions.toQuartz(eventBridge)).isEqualTo(quartz);
	}

	@Test
	void dayOfWeekNumbersMeanTheSameDayOnBothSides() throws ParseException {
		// EventBridge documents 1-7 as SUN-SAT, as Quartz does: 2 is Monday on both.
		String quartz = CronExpressions.toQuartz("cron(0 9 ? * 2 *)");
		CronExpression expression = new CronExpression(quartz);
		expression.setTimeZone(TimeZone.getTimeZone(ZoneOffset.UTC));
		Date next = expression
			.getNextValidTimeAfter(Date.from(ZonedDateTime.parse("2025-03-05T00:00:00Z").toInstant()));
		assertThat(next.toInstant().atZone(ZoneOffset.UTC).getDayOfWeek()).isEqualTo(DayOfWeek.MONDAY);
		assertThat(next.toInstant()).hasToString("2025-03-10T09:00:00Z");
	}

	@Test
	void canonicalFormHasSixFields() {
		assertThat(CronExpressions.requireCanonical("0 0 2 * * ?")).isEqualTo("0 0 2 * * ?");
		assertThatIllegalArgumentException().isThrownBy(() -> CronExpressions.requireCanonical("0 0 2 * * ? 2030"))
			.withMessage(
					"Invalid cron expression, expected 6 fields (seconds minutes hours day-of-month month day-of-week) but got 7: 0 0 2 * * ? 2030");
	}

	@Test
	void rejectsSecondsThatEventBridgeCannotExpress() {
		assertThatIllegalArgumentException().isThrownBy(() -> CronExpressions.toEventBridge("30 0 2 * * ?"))
			.withMessage(
					"Invalid cron expression, seconds must be 0 because EventBridge has no seconds field: 30 0 2 * * ?");
	}

	@Test
	void rejectsBothDayFieldsSet() {
		assertThatIllegalArgumentException().isThrownBy(() -> CronExpressions.toEventBridge("0 0 2 * * *"))
			.withMessage(
					"Invalid cron expression, exactly one of day-of-month and day-of-week must be '?': 0 0 2 * * *");
		assertThatIllegalArgumentException().isThrownBy(() -> CronExpressions.toQuartz("cron(0 2 ? * ? *)"))
			.withMessage(
					"Invalid cron expression, exactly one of day-of-month and day-of-week must be '?': 0 0 2 ? * ?");
	}

	@Test
	void rejectsQuartzOnlySyntax() {
		assertThatIllegalArgumentException().isThrownBy(() -> CronExpressions.toEventBridge("0 0 2 L-3 * ?"))
			.withMessage(
					"Invalid cron expression, field 'L-3' uses syntax EventBridge does not share with Quartz: 0 0 2 L-3 * ?");
	}

	@Test
	void rejectsWhatQuartzCannotParse() {
		assertThatIllegalArgumentException().isThrownBy(() -> CronExpressions.toEventBridge("0 0 25 * * ?"))
			.withMessageStartingWith("Invalid cron expression, Quartz cannot parse it (")
			.withMessageEndingWith("): 0 0 25 * * ?");
	}

	@Test
	void rejectsOtherEventBridgeExpressions() {
		assertThatIllegalArgumentException().isThrownBy(() -> CronExpressions.toQuartz("rate(1 day)"))
			.withMessage(
					"Invalid EventBridge schedule expression, expected cron(minutes hours day-of-month month day-of-week year): rate(1 day)");
		assertThatIllegalArgumentException().isThrownBy(() -> CronExpressions.toQuartz("cron(0 2 * * ?)"))
			.withMessage(
					"Invalid EventBridge schedule expression, expected cron(minutes hours day-of-month month day-of-week year): cron(0 2 * * ?)");
	}

	@Test
	void rejectsEmptyExpressions() {
		assertThatIllegalArgumentException().isThrownBy(() -> CronExpressions.requireCanonical(" "))
			.withMessage("Invalid cron expression, it is empty: ' '");
	}

}
