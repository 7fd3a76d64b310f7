package dev.healthscore.schedules;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The score dates a {@code days-back=N} parameter names, resolved against a run's
 * scheduled time.
 *
 * <p>
 * Score dates are users' local dates, and users live from UTC−12 to UTC+14, so no single
 * UTC date is "yesterday" for everyone. The window is therefore a range of dates wide
 * enough for every zone, and a job scores, for each user, only the dates of the window
 * that have {@link #endedDates ended} in that user's zone at the scheduled time: a day
 * still in progress somewhere is left to the next run, never scored half-way.
 *
 * @param from the first date, inclusive
 * @param to the last date, inclusive
 */
public record ScoreDateWindow(LocalDate from, LocalDate to) {

	/** The westernmost offset of a time zone in use (Etc/GMT+12, Baker Island). */
	private static final ZoneOffset WESTERNMOST = ZoneOffset.ofHours(-12);

	public ScoreDateWindow {
		Objects.requireNonNull(from, "A first date is required");
		Objects.requireNonNull(to, "A last date is required");
		if (to.isBefore(from)) {
			throw new IllegalArgumentException(
					"Invalid window, last date %s is before first date %s".formatted(to, from));
		}
	}

	/**
	 * Resolves {@code days-back=N}: from (UTC date of the scheduled time − N) to (that
	 * date − 1).
	 * @param days N, at least 1
	 * @param scheduledTime the instant the schedule fired for
	 * @return the window
	 */
	public static ScoreDateWindow daysBack(int days, Instant scheduledTime) {
		if (days < 1) {
			throw new IllegalArgumentException(String.format(Locale.ROOT, "Invalid %s, expected at least 1 but got %d",
					ScheduleParameters.DAYS_BACK, days));
		}
		LocalDate today = LocalDate.ofInstant(scheduledTime, ZoneOffset.UTC);
		return new ScoreDateWindow(today.minusDays(days), today.minusDays(1));
	}

	/**
	 * Returns whether a local day has ended in a time zone at an instant.
	 * @param day the local date
	 * @param zone the user's time zone
	 * @param at the instant
	 * @return whether the day's last moment lies before the instant
	 */
	public static boolean hasEnded(LocalDate day, ZoneId zone, Instant at) {
		return !day.plusDays(1).atStartOfDay(zone).toInstant().isAfter(at);
	}

	/**
	 * Returns the last date that has ended in every time zone at an instant: the date
	 * whose end in the westernmost zone in use, UTC−12, lies before the instant. Later
	 * dates are still in progress for some users.
	 * @param at the instant
	 * @return the date
	 */
	public static LocalDate lastEndedEverywhere(Instant at) {
		LocalDate day = LocalDate.ofInstant(at, WESTERNMOST);
		return day.minusDays(1);
	}

	/**
	 * Returns the dates of this window that have ended in a time zone at an instant: the
	 * dates a job scores for a user of that zone.
	 * @param zone the user's time zone
	 * @param at the instant, normally the scheduled time
	 * @return the ended dates, oldest first
	 */
	public List<LocalDate> endedDates(ZoneId zone, Instant at) {
		return this.from.datesUntil(this.to.plusDays(1)).filter((day) -> hasEnded(day, zone, at)).toList();
	}

}
