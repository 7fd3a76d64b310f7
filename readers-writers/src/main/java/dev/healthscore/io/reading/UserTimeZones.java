package dev.healthscore.io.reading;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.sql.DataSource;

import dev.healthscore.io.Causes;
import dev.healthscore.scoring.UserProfile;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcOperations;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Reads users' {@code app_user.time_zone} as a {@link ZoneId}, and explains a database
 * error about one: a value that is not an IANA time zone id fails with an
 * {@link InvalidTimeZoneException} that names the users and the value and says what to
 * fix, not with an error about an anonymous string.
 * <p>
 * Only a live user's time zone is read. A deleted user has no local days: every reading
 * of theirs is rejected and every score row of theirs is an orphan, whatever their zone,
 * so a value that is no zone id fails nothing for them. Their {@link #profile profile}
 * has no zone, and SQL that converts to the users' zones ({@code AT TIME ZONE
 * u.time_zone}, which PostgreSQL fails as a whole on a zone it does not know) joins the
 * live users only ({@code u.deleted_at IS NULL}).
 */
public final class UserTimeZones {

	/** PostgreSQL's {@code invalid_parameter_value}: what {@code AT TIME ZONE} raises. */
	private static final String INVALID_PARAMETER_VALUE = "22023";

	private static final String ZONES_SQL = "SELECT DISTINCT time_zone FROM app_user WHERE deleted_at IS NULL";

	/**
	 * The zone ids of the time zone database (a copy: the JDK's is made anew each call).
	 */
	private static final Set<String> DATABASE_ZONES = Set.copyOf(ZoneId.getAvailableZoneIds());

	private static final String USERS_SQL = """
			SELECT user_id FROM app_user WHERE time_zone = ? AND deleted_at IS NULL ORDER BY user_id LIMIT ?""";

	private UserTimeZones() {
	}

	/**
	 * Returns the profile of a user as scoring needs it, from their {@code app_user} row.
	 * @param userId the user
	 * @param timeZone the user's {@code app_user.time_zone}
	 * @param dailyStepGoal the user's {@code app_user.daily_step_goal}
	 * @param deleted whether the user is deleted ({@code app_user.deleted_at} is set)
	 * @return the profile; without a time zone for a deleted user, whose zone is not read
	 * @throws InvalidTimeZoneException when the user is not deleted and {@code timeZone}
	 * is not a zone id
	 */
	public static UserProfile profile(long userId, String timeZone, int dailyStepGoal, boolean deleted) {
		return new UserProfile(userId, deleted ? null : of(userId, timeZone), dailyStepGoal, deleted);
	}

	/**
	 * Returns the time zone of a user.
	 * @param userId the user
	 * @param timeZone the user's {@code app_user.time_zone}
	 * @return the zone
	 * @throws InvalidTimeZoneException when {@code timeZone} is not a zone id
	 */
	public static ZoneId of(long userId, String timeZone) {
		try {
			return zone(timeZone);
		}
		catch (DateTimeException ex) {
			throw new InvalidTimeZoneException(List.of(userId), timeZone, ex);
		}
	}

	/**
	 * Reads a zone of the time zone database, the one PostgreSQL reads too. An offset
	 * such as {@code UTC+3} or {@code +03:00} is refused although Java reads it:
	 * PostgreSQL reads {@code UTC+3} as a POSIX zone, three hours west of UTC, so the
	 * jobs' Java and SQL would put readings on different local days.
	 */
	private static ZoneId zone(String timeZone) {
		if (timeZone == null || !DATABASE_ZONES.contains(timeZone)) {
			ZoneId zone = ZoneId.of(String.valueOf(timeZone)); // Java's own error first
			throw new DateTimeException(String.format(Locale.ROOT,
					"%s is an offset, not a zone of the time zone database, and PostgreSQL reads offsets as POSIX "
							+ "zones, west of UTC for a '+': name the region's zone, or Etc/GMT-3 for UTC+03:00",
					zone));
		}
		return ZoneId.of(timeZone);
	}

	/**
	 * Explains the failure of a query that converts to the users' time zones
	 * ({@code AT TIME ZONE u.time_zone}), which PostgreSQL fails as a whole on a zone it
	 * does not know, naming only the value.
	 * @param failure the query's error
	 * @param database the database the query ran on
	 * @return an exception naming the live users with an invalid time zone and what to
	 * fix, when that is why the query failed; otherwise {@code failure}
	 */
	public static RuntimeException explain(DataAccessException failure, DataSource database) {
		if (!isInvalidParameterValue(failure)) {
			return failure;
		}
		InvalidTimeZoneException invalid = findInvalid(database, failure);
		return (invalid != null) ? invalid : failure;
	}

	/**
	 * Whether {@code ex}, or one of its causes, is PostgreSQL refusing a parameter value,
	 * as {@code AT TIME ZONE} refuses a time zone it does not know.
	 */
	private static boolean isInvalidParameterValue(Throwable ex) {
		return Causes.anyMatch(ex,
				(cause) -> cause instanceof SQLException sql && INVALID_PARAMETER_VALUE.equals(sql.getSQLState()));
	}

	/**
	 * Finds the live users whose time zone is not a zone id, after {@code failure}, an
	 * error of a query that converts to the users' time zones. Runs on a connection of
	 * its own: the failed query's transaction, if it had one, is aborted. The distinct
	 * values of {@code app_user.time_zone} are few, and this runs only when the query
	 * failed.
	 * @param dataSource the database the query ran on
	 * @param failure the query's error, kept as the cause
	 * @return an exception naming the live users of the first invalid value (the others
	 * attached as suppressed), or {@code null} when every value is a zone id or they
	 * cannot be read (why attached to {@code failure} as suppressed)
	 */
	private static InvalidTimeZoneException findInvalid(DataSource dataSource, Throwable failure) {
		try (Connection connection = dataSource.getConnection()) {
			return findInvalid(new JdbcTemplate(new SingleConnectionDataSource(connection, true)), failure);
		}
		catch (SQLException | DataAccessException ex) {
			failure.addSuppressed(ex);
			return null;
		}
	}

	private static InvalidTimeZoneException findInvalid(JdbcOperations jdbc, Throwable failure) {
		List<String> invalid = new ArrayList<>();
		for (String zone : jdbc.queryForList(ZONES_SQL, String.class)) {
			try {
				zone(zone);
			}
			catch (DateTimeException ex) {
				invalid.add(zone);
			}
		}
		InvalidTimeZoneException first = null;
		for (String zone : invalid.stream().sorted().toList()) {
			List<Long> users = jdbc.queryForList(USERS_SQL, Long.class, zone,
					InvalidTimeZoneException.LISTED_USERS + 1);
			InvalidTimeZoneException found = new InvalidTimeZoneException(users, zone, failure);
			if (first == null) {
				first = found;
			}
			else {
				first.addSuppressed(found);
			}
		}
		return first;
	}

}
