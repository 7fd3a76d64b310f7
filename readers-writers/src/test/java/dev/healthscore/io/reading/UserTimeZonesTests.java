package dev.healthscore.io.reading;

import java.time.ZoneId;

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

}
