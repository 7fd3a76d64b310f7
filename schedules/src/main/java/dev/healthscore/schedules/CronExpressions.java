package dev.healthscore.schedules;

import java.text.ParseException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quartz.CronExpression;

/**
 * Converts cron expressions between the catalogue's canonical form and EventBridge
 * Scheduler's {@code cron(...)} form.
 *
 * <p>
 * The canonical form is a six-field Quartz expression
 * ({@code seconds minutes hours day-of-month month day-of-week}) whose seconds field is
 * {@code 0}, because EventBridge has no seconds field. EventBridge's six fields are
 * {@code minutes hours day-of-month month day-of-week year}. Both number days of the week
 * 1 (Sunday) to 7 (Saturday), both accept {@code JAN-DEC} and {@code SUN-SAT}, and both
 * want {@code ?} in exactly one of the two day fields, so converting drops or adds the
 * seconds and the year and leaves every other field as written. Quartz features
 * EventBridge lacks ({@code L-n} offsets) are rejected here rather than silently
 * translated.
 */
public final class CronExpressions {

	private static final Pattern EVENT_BRIDGE = Pattern.compile("cron\\((.*)\\)");

	private static final Pattern PORTABLE_FIELD = Pattern.compile("[0-9A-Z*?,/#-]+");

	private static final int DAY_OF_MONTH = 3;

	private static final int DAY_OF_WEEK = 5;

	private CronExpressions() {
	}

	/**
	 * Checks that an expression is in the canonical form: six Quartz fields, seconds
	 * {@code 0}, portable to EventBridge.
	 * @param quartz the expression
	 * @return the same expression, for use in assignments
	 * @throws IllegalArgumentException when it is not canonical
	 */
	public static String requireCanonical(String quartz) {
		List<String> fields = fields(quartz);
		if (fields.size() != 6) {
			throw new IllegalArgumentException(String.format(Locale.ROOT,
					"Invalid cron expression, expected 6 fields (seconds minutes hours day-of-month month day-of-week) but got %d: %s",
					fields.size(), quartz));
		}
		return requirePortable(quartz);
	}

	/**
	 * Converts a Quartz expression (canonical, or with a seventh year field) to an
	 * EventBridge Scheduler schedule expression.
	 * @param quartz the Quartz expression, for example {@code 0 0 2 * * ?}
	 * @return the EventBridge expression, for example {@code cron(0 2 * * ? *)}
	 */
	public static String toEventBridge(String quartz) {
		List<String> fields = fields(requirePortable(quartz));
		String year = (fields.size() == 7) ? fields.get(6) : "*";
		return "cron(" + String.join(" ", fields.subList(1, 6)) + " " + year + ")";
	}

	/**
	 * Converts an EventBridge Scheduler cron expression to a Quartz expression: the
	 * canonical six fields, or seven when the year is not {@code *}.
	 * @param eventBridge the EventBridge expression, for example
	 * {@code cron(0 2 * * ? *)}
	 * @return the Quartz expression, for example {@code 0 0 2 * * ?}
	 */
	public static String toQuartz(String eventBridge) {
		Matcher matcher = (eventBridge != null) ? EVENT_BRIDGE.matcher(eventBridge.strip()) : null;
		List<String> fields = (matcher != null && matcher.matches()) ? fields(matcher.group(1)) : List.of();
		if (fields.size() != 6) {
			throw new IllegalArgumentException(
					"Invalid EventBridge schedule expression, expected cron(minutes hours day-of-month month day-of-week year): %s"
						.formatted(eventBridge));
		}
		String quartz = "0 " + String.join(" ", fields.subList(0, 5));
		if (!"*".equals(fields.get(5))) {
			quartz = quartz + " " + fields.get(5);
		}
		return requirePortable(quartz);
	}

	private static String requirePortable(String quartz) {
		List<String> fields = fields(quartz);
		if (fields.size() != 6 && fields.size() != 7) {
			throw new IllegalArgumentException(String.format(Locale.ROOT,
					"Invalid cron expression, expected 6 or 7 Quartz fields but got %d: %s", fields.size(), quartz));
		}
		if (!"0".equals(fields.get(0))) {
			throw new IllegalArgumentException(
					"Invalid cron expression, seconds must be 0 because EventBridge has no seconds field: %s"
						.formatted(quartz));
		}
		for (String field : fields) {
			if (!PORTABLE_FIELD.matcher(field).matches() || field.contains("L-")) {
				throw new IllegalArgumentException(
						"Invalid cron expression, field '%s' uses syntax EventBridge does not share with Quartz: %s"
							.formatted(field, quartz));
			}
		}
		if ("?".equals(fields.get(DAY_OF_MONTH)) == "?".equals(fields.get(DAY_OF_WEEK))) {
			throw new IllegalArgumentException(
					"Invalid cron expression, exactly one of day-of-month and day-of-week must be '?': %s"
						.formatted(quartz));
		}
		try {
			CronExpression.validateExpression(quartz);
		}
		catch (ParseException ex) {
			throw new IllegalArgumentException(
					"Invalid cron expression, Quartz cannot parse it (%s): %s".formatted(ex.getMessage(), quartz), ex);
		}
		return quartz;
	}

	private static List<String> fields(String expression) {
		if (expression == null || expression.isBlank()) {
			throw new IllegalArgumentException("Invalid cron expression, it is empty: '%s'".formatted(expression));
		}
		return List.of(expression.strip().split("\\s+"));
	}

}
