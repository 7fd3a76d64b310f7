package dev.healthscore.schedules;

import java.text.ParseException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Date;
import java.util.List;
import java.util.TimeZone;

import org.junit.jupiter.api.Test;
import org.quartz.CronExpression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ScoreDateWindowTests {

	@Test
	void daysBackCountsFromTheUtcDateOfTheScheduledTime() {
		ScoreDateWindow window = ScoreDateWindow.daysBack(2, Instant.parse("2025-03-10T02:00:00Z"));
		assertThat(window).isEqualTo(new ScoreDateWindow(LocalDate.parse("2025-03-08"), LocalDate.parse("2025-03-09")));
	}

	@Test
	void onlyDaysThatEndedInTheUsersZoneAreScored() {
		Instant at = Instant.parse("2025-03-10T02:00:00Z");
		ScoreDateWindow window = ScoreDateWindow.daysBack(2, at);
		assertThat(window.endedDates(ZoneId.of("Pacific/Kiritimati"), at))
			.containsExactly(LocalDate.parse("2025-03-08"), LocalDate.parse("2025-03-09"));
		assertThat(window.endedDates(ZoneId.of("Etc/GMT+2"), at)).containsExactly(LocalDate.parse("2025-03-08"),
				LocalDate.parse("2025-03-09"));
		assertThat(window.endedDates(ZoneId.of("America/Sao_Paulo"), at))
			.containsExactly(LocalDate.parse("2025-03-08"));
		assertThat(window.endedDates(ZoneId.of("Etc/GMT+12"), at)).containsExactly(LocalDate.parse("2025-03-08"));
	}

	@Test
	void nightlyWindowHoldsEveryDayThatEndedSinceThePreviousRunInEveryZone() throws ParseException {
		ScheduleDefinition nightly = Schedules.defaults().named(Schedules.NIGHTLY);
		JobStep recompute = nightly.steps().get(0);
		int daysBack = Integer.parseInt(recompute.parameters().get(ScheduleParameters.DAYS_BACK));
		List<Instant> fireTimes = fireTimes(nightly, Instant.parse("2024-12-30T00:00:00Z"), 370);
		List<String> misses = new ArrayList<>();
		for (int i = 1; i < fireTimes.size(); i++) {
			Instant previous = fireTimes.get(i - 1);
			Instant current = fireTimes.get(i);
			ScoreDateWindow window = ScoreDateWindow.daysBack(daysBack, current);
			for (ZoneId zone : distinctZones()) {
				List<LocalDate> scored = window.endedDates(zone, current);
				LocalDate localToday = LocalDate.ofInstant(current, zone);
				for (LocalDate day = localToday.minusDays(3); day
					.isBefore(localToday.plusDays(2)); day = day.plusDays(1)) {
					boolean endedSincePrevious = ScoreDateWindow.hasEnded(day, zone, current)
							&& !ScoreDateWindow.hasEnded(day, zone, previous);
					if (endedSincePrevious && !scored.contains(day)) {
						misses.add(zone + " " + day + " at " + current);
					}
				}
			}
		}
		assertThat(fireTimes).hasSize(370);
		assertThat(misses).isEmpty();
	}

	@Test
	void lastDayEndedEverywhereHasEndedInEveryZoneAndTheNextHasNotInTheWesternmost() {
		assertThat(ScoreDateWindow.lastEndedEverywhere(Instant.parse("2025-03-10T02:00:00Z")))
			.isEqualTo(LocalDate.parse("2025-03-08"));
		assertThat(ScoreDateWindow.lastEndedEverywhere(Instant.parse("2025-03-10T12:00:00Z")))
			.isEqualTo(LocalDate.parse("2025-03-09"));
		for (Instant at = Instant.parse("2025-03-08T00:00:00Z"); at
			.isBefore(Instant.parse("2025-03-12T00:00:00Z")); at = at.plusSeconds(1800)) {
			LocalDate last = ScoreDateWindow.lastEndedEverywhere(at);
			for (ZoneId zone : distinctZones()) {
				assertThat(ScoreDateWindow.hasEnded(last, zone, at)).as("%s in %s at %s", last, zone, at).isTrue();
			}
			assertThat(ScoreDateWindow.hasEnded(last.plusDays(1), ZoneId.of("Etc/GMT+12"), at)).isFalse();
		}
	}

	@Test
	void rejectsEmptyWindows() {
		assertThatIllegalArgumentException().isThrownBy(() -> ScoreDateWindow.daysBack(0, Instant.EPOCH))
			.withMessage("Invalid days-back, expected at least 1 but got 0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ScoreDateWindow(LocalDate.parse("2025-01-02"), LocalDate.parse("2025-01-01")))
			.withMessage("Invalid window, last date 2025-01-01 is before first date 2025-01-02");
	}

	private static Collection<ZoneId> distinctZones() {
		Map<ZoneRules, ZoneId> byRules = new HashMap<>();
		ZoneId.getAvailableZoneIds()
			.stream()
			.sorted()
			.map(ZoneId::of)
			.forEach((zone) -> byRules.putIfAbsent(zone.getRules(), zone));
		return byRules.values();
	}

	private static List<Instant> fireTimes(ScheduleDefinition schedule, Instant after, int count)
			throws ParseException {
		CronExpression cron = new CronExpression(schedule.cron());
		cron.setTimeZone(TimeZone.getTimeZone(schedule.timeZone()));
		List<Instant> times = new ArrayList<>();
		Date next = Date.from(after);
		while (times.size() < count) {
			next = cron.getNextValidTimeAfter(next);
			times.add(next.toInstant());
		}
		return times;
	}

}
