package dev.healthscore.scoring.v1;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LocalDaysTests {

	@ParameterizedTest(name = "{1} is on {2} in {0}")
	@CsvSource({
			// 2025-03-09 has 23 hours: EST (-5) until 07:00Z, EDT (-4) after.
			"America/New_York, 2025-03-09T04:59:59Z, 2025-03-08", "America/New_York, 2025-03-09T05:00:00Z, 2025-03-09",
			"America/New_York, 2025-03-09T06:59:59Z, 2025-03-09", "America/New_York, 2025-03-09T07:00:00Z, 2025-03-09",
			"America/New_York, 2025-03-10T03:30:00Z, 2025-03-09", "America/New_York, 2025-03-10T03:59:59Z, 2025-03-09",
			"America/New_York, 2025-03-10T04:00:00Z, 2025-03-10",
			// 2025-11-02 has 25 hours: EDT (-4) until 06:00Z, EST (-5) after.
			"America/New_York, 2025-11-02T03:59:59Z, 2025-11-01", "America/New_York, 2025-11-02T04:00:00Z, 2025-11-02",
			"America/New_York, 2025-11-02T05:30:00Z, 2025-11-02", "America/New_York, 2025-11-02T06:30:00Z, 2025-11-02",
			"America/New_York, 2025-11-03T04:30:00Z, 2025-11-02", "America/New_York, 2025-11-03T04:59:59Z, 2025-11-02",
			"America/New_York, 2025-11-03T05:00:00Z, 2025-11-03",
			// Half-hour, three-quarter-hour and extreme offsets.
			"Asia/Kolkata, 2025-06-30T18:29:59Z, 2025-06-30", "Asia/Kolkata, 2025-06-30T18:30:00Z, 2025-07-01",
			"Asia/Kathmandu, 2025-06-30T18:14:59Z, 2025-06-30", "Asia/Kathmandu, 2025-06-30T18:15:00Z, 2025-07-01",
			"Australia/Eucla, 2025-06-30T15:14:59Z, 2025-06-30", "Australia/Eucla, 2025-06-30T15:15:00Z, 2025-07-01",
			"Pacific/Kiritimati, 2025-06-30T09:59:59Z, 2025-06-30",
			"Pacific/Kiritimati, 2025-06-30T10:00:00Z, 2025-07-01",
			"Pacific/Pago_Pago, 2025-07-01T10:59:59Z, 2025-06-30",
			"Pacific/Pago_Pago, 2025-07-01T11:00:00Z, 2025-07-01", "UTC, 2025-06-30T23:59:59.999999999Z, 2025-06-30",
			"UTC, 2025-07-01T00:00:00Z, 2025-07-01" })
	void mapsAnInstantToTheLocalDayItFallsOn(String zone, String instant, String day) {
		LocalDays days = new LocalDays(ZoneId.of(zone), LocalDate.parse("2025-01-01"), LocalDate.parse("2025-12-31"));
		int index = days.indexOf(Instant.parse(instant));
		assertThat(days.day(index)).isEqualTo(day);
	}

	@Test
	void numbersTheDaysOfTheWindowFromZero() {
		LocalDays days = new LocalDays(ZoneOffset.UTC, LocalDate.parse("2025-06-01"), LocalDate.parse("2025-06-30"));
		assertThat(days.dayCount()).isEqualTo(30);
		assertThat(days.indexOf(Instant.parse("2025-06-01T00:00:00Z"))).isZero();
		assertThat(days.indexOf(Instant.parse("2025-06-30T23:59:59Z"))).isEqualTo(29);
		assertThat(days.day(0)).isEqualTo("2025-06-01");
		assertThat(days.day(29)).isEqualTo("2025-06-30");
	}

	@Test
	void findsTheFirstDayOfAPlusFourteenZoneOnThePreviousUtcDate() {
		LocalDays days = new LocalDays(ZoneId.of("Pacific/Kiritimati"), LocalDate.parse("2025-06-30"),
				LocalDate.parse("2025-07-01"));
		// 2025-06-29T10:00Z is local midnight starting 2025-06-30.
		assertThat(days.indexOf(Instant.parse("2025-06-29T09:59:59Z"))).isEqualTo(LocalDays.OUTSIDE);
		assertThat(days.indexOf(Instant.parse("2025-06-29T10:00:00Z"))).isZero();
	}

	@Test
	void findsTheLastDayOfAMinusElevenZoneOnTheNextUtcDate() {
		LocalDays days = new LocalDays(ZoneId.of("Pacific/Pago_Pago"), LocalDate.parse("2025-06-30"),
				LocalDate.parse("2025-07-01"));
		// 2025-07-02T11:00Z is local midnight ending 2025-07-01.
		assertThat(days.indexOf(Instant.parse("2025-07-02T10:59:59Z"))).isEqualTo(1);
		assertThat(days.indexOf(Instant.parse("2025-07-02T11:00:00Z"))).isEqualTo(LocalDays.OUTSIDE);
	}

	@Test
	void reportsInstantsFarOutsideTheWindowAsOutside() {
		LocalDays days = new LocalDays(ZoneOffset.UTC, LocalDate.parse("2025-06-01"), LocalDate.parse("2025-06-30"));
		assertThat(days.indexOf(Instant.parse("1970-01-01T00:00:00Z"))).isEqualTo(LocalDays.OUTSIDE);
		assertThat(days.indexOf(Instant.parse("1969-12-31T23:00:00Z"))).isEqualTo(LocalDays.OUTSIDE);
		assertThat(days.indexOf(Instant.parse("2099-06-01T00:00:00Z"))).isEqualTo(LocalDays.OUTSIDE);
	}

	@Test
	void handlesAWindowOfOneDay() {
		LocalDays days = new LocalDays(ZoneId.of("Europe/Berlin"), LocalDate.parse("2025-03-30"),
				LocalDate.parse("2025-03-30"));
		assertThat(days.dayCount()).isOne();
		assertThat(days.indexOf(Instant.parse("2025-03-29T22:59:59Z"))).isEqualTo(LocalDays.OUTSIDE);
		assertThat(days.indexOf(Instant.parse("2025-03-29T23:00:00Z"))).isZero();
		assertThat(days.indexOf(Instant.parse("2025-03-30T21:59:59Z"))).isZero();
		assertThat(days.indexOf(Instant.parse("2025-03-30T22:00:00Z"))).isEqualTo(LocalDays.OUTSIDE);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham",
			"Asia/Kathmandu", "Pacific/Apia", "America/Santiago", "UTC" })
	void agreesWithTheJdkEveryQuarterHourOverTwoYears(String zone) {
		ZoneId zoneId = ZoneId.of(zone);
		LocalDate first = LocalDate.parse("2024-01-01");
		LocalDays days = new LocalDays(zoneId, first, LocalDate.parse("2025-12-31"));
		Instant end = Instant.parse("2026-01-03T00:00:00Z");
		List<String> mismatches = new ArrayList<>();
		for (Instant at = Instant.parse("2023-12-29T00:00:00Z"); at.isBefore(end); at = at.plusSeconds(900)) {
			LocalDate expected = LocalDate.ofInstant(at, zoneId);
			boolean inWindow = !expected.isBefore(first) && !expected.isAfter(LocalDate.parse("2025-12-31"));
			int expectedIndex = inWindow ? (int) (expected.toEpochDay() - first.toEpochDay()) : LocalDays.OUTSIDE;
			int index = days.indexOf(at);
			if (index != expectedIndex) {
				mismatches.add(at + " -> " + index + " instead of " + expectedIndex);
			}
		}
		assertThat(mismatches).isEmpty();
	}

	@Test
	void failsWhenTheLastDayIsBeforeTheFirst() {
		assertThatIllegalArgumentException()
			.isThrownBy(
					() -> new LocalDays(ZoneOffset.UTC, LocalDate.parse("2025-06-02"), LocalDate.parse("2025-06-01")))
			.withMessage("Invalid day window, last day 2025-06-01 is before first day 2025-06-02");
	}

}
