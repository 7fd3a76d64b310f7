package dev.healthscore.io.reading;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Users whose {@code app_user.time_zone} is not an IANA time zone id: their local days,
 * and so their scores, cannot be computed until it is fixed. The message names the users
 * and the value and says what to do; nothing is skipped.
 */
public class InvalidTimeZoneException extends RuntimeException {

	/** How many user ids a message lists at most. */
	static final int LISTED_USERS = 10;

	private final List<Long> userIds;

	private final String timeZone;

	/**
	 * Creates the exception.
	 * @param userIds users with this time zone, in id order (the first
	 * {@value #LISTED_USERS} are named, and one more tells there are more)
	 * @param timeZone the value of their {@code app_user.time_zone}
	 * @param cause why the value was refused
	 */
	public InvalidTimeZoneException(List<Long> userIds, String timeZone, Throwable cause) {
		super(message(userIds, timeZone, cause), cause);
		this.userIds = List.copyOf(userIds);
		this.timeZone = timeZone;
	}

	/** The users with the time zone (or the first of them). */
	public List<Long> userIds() {
		return this.userIds;
	}

	/** The invalid value of their {@code app_user.time_zone}. */
	public String timeZone() {
		return this.timeZone;
	}

	private static String message(List<Long> userIds, String timeZone, Throwable cause) {
		String why = (cause != null && cause.getMessage() != null) ? " (" + firstLine(cause.getMessage()) + ")" : "";
		String quoted = "'" + timeZone.replace("'", "''") + "'";
		if (userIds.size() == 1) {
			long userId = userIds.get(0);
			return String.format(Locale.ROOT,
					"User %d has app_user.time_zone %s, which is not an IANA time zone id%s: set it to an IANA zone "
							+ "id such as 'Europe/Paris' (UPDATE app_user SET time_zone = 'Europe/Paris' WHERE user_id = %d) "
							+ "and run the job again",
					userId, quoted, why, userId);
		}
		String users = userIds.stream()
			.limit(LISTED_USERS)
			.map(String::valueOf)
			.collect(Collectors.joining(", ", "", (userIds.size() > LISTED_USERS) ? " and more" : ""));
		return String.format(Locale.ROOT,
				"Users %s have app_user.time_zone %s, which is not an IANA time zone id%s: set it to an IANA zone id "
						+ "such as 'Europe/Paris' (find them with SELECT user_id FROM app_user WHERE time_zone = %s) "
						+ "and run the job again",
				users, quoted, why, quoted);
	}

	private static String firstLine(String message) {
		int end = message.indexOf('\n');
		return (end < 0) ? message : message.substring(0, end);
	}

}
