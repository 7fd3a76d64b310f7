package dev.healthscore.io.reading;

import java.time.ZoneId;

import dev.healthscore.scoring.UserProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Which {@code app_user.time_zone} values the jobs read as a user's zone. */
class UserTimeZonesTests {

	@ParameterizedTest
	@ValueSource(strings = { "UTC", "Europe/Paris", "America/St_Johns", "Etc/GMT-3", "Pacific/Kiritimati" })
	void readsZonesOfTheTimeZoneDatabase(String timeZone) {
		assertThat(UserTimeZones.of(7, timeZone)).isEqualTo(ZoneId.of(timeZone));
	}

	/** PostgreSQL reads {@code UTC+3} as POSIX, three hours west of UTC; Java east. */
	@ParameterizedTest
	@ValueSource(strings = { "UTC+3", "GMT+03:00", "+03:00", "Z" })
	void refusesOffsetsThatPostgresqlReadsTheOtherWay(String timeZone) {
		assertThatExceptionOfType(InvalidTimeZoneException.class).isThrownBy(() -> UserTimeZones.of(7, timeZone))
			.withMessageStartingWith(
					"User 7 has app_user.time_zone '" + timeZone + "', which is not an IANA time zone id")
			.withMessageContaining("is an offset, not a zone of the time zone database")
			.withMessageContaining("UPDATE app_user SET time_zone = 'Europe/Paris' WHERE user_id = 7");
	}

	@Test
	void refusesWhatIsNoZoneAtAll() {
		assertThatExceptionOfType(InvalidTimeZoneException.class).isThrownBy(() -> UserTimeZones.of(7, "Mars/Olympus"))
			.withMessageContaining("'Mars/Olympus'")
			.withMessageContaining("Unknown time-zone ID: Mars/Olympus");
		assertThatExceptionOfType(InvalidTimeZoneException.class).isThrownBy(() -> UserTimeZones.of(7, "europe/paris"))
			.withMessageContaining("'europe/paris'");
	}

	/**
	 * A deleted user has no local days: their zone is not read, so one that is no zone id
	 * fails nothing for them. A live user's still fails.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "Europe/Paris", "UTC+3", "Mars/Olympus" })
	void readsNoZoneForADeletedUser(String timeZone) {
		assertThat(UserTimeZones.profile(7, timeZone, 9000, true)).isEqualTo(new UserProfile(7, null, 9000, true));
	}

	@Test
	void readsTheZoneOfALiveUser() {
		assertThat(UserTimeZones.profile(7, "Europe/Paris", 9000, false))
			.isEqualTo(new UserProfile(7, ZoneId.of("Europe/Paris"), 9000, false));
		assertThatExceptionOfType(InvalidTimeZoneException.class)
			.isThrownBy(() -> UserTimeZones.profile(7, "UTC+3", 9000, false))
			.withMessageStartingWith("User 7 has app_user.time_zone 'UTC+3', which is not an IANA time zone id");
	}

}
