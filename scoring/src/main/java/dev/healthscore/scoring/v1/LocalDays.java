package dev.healthscore.scoring.v1;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Arrays;

/**
 * Maps instants to a user's local days within a window of days, numbered from 0.
 * <p>
 * The zone's offsets over the window are looked up once, so that mapping an instant
 * allocates nothing and does not go through the zone rules' per-year caches.
 */
final class LocalDays {

	/** Returned for an instant whose local day lies outside the window. */
	static final int OUTSIDE = -1;

	private static final long SECONDS_PER_DAY = 86_400;

	private final long firstEpochDay;

	private final int dayCount;

	private final long spanStart;

	private final long spanEnd;

	private final long[] offsetStarts;

	private final int[] offsetSeconds;

	/**
	 * Creates the local days {@code firstDay..lastDay} of a time zone.
	 * @param zone the user's time zone
	 * @param firstDay the first day of the window, numbered 0
	 * @param lastDay the last day of the window, inclusive
	 */
	LocalDays(ZoneId zone, LocalDate firstDay, LocalDate lastDay) {
		if (lastDay.isBefore(firstDay)) {
			throw new IllegalArgumentException(
					"Invalid day window, last day %s is before first day %s".formatted(lastDay, firstDay));
		}
		this.firstEpochDay = firstDay.toEpochDay();
		this.dayCount = Math.toIntExact(lastDay.toEpochDay() - this.firstEpochDay + 1);
		// Offsets lie within -18h..+18h, so an instant more than a day outside the
		// window's UTC span cannot fall on a day of the window.
		this.spanStart = (this.firstEpochDay - 1) * SECONDS_PER_DAY;
		this.spanEnd = (lastDay.toEpochDay() + 2) * SECONDS_PER_DAY;
		ZoneRules rules = zone.getRules();
		Instant start = Instant.ofEpochSecond(this.spanStart);
		int count = 1;
		for (ZoneOffsetTransition t = rules.nextTransition(start); t != null
				&& t.toEpochSecond() < this.spanEnd; t = rules.nextTransition(t.getInstant())) {
			count++;
		}
		this.offsetStarts = new long[count];
		this.offsetSeconds = new int[count];
		this.offsetStarts[0] = this.spanStart;
		this.offsetSeconds[0] = rules.getOffset(start).getTotalSeconds();
		ZoneOffsetTransition t = rules.nextTransition(start);
		for (int i = 1; i < count; i++, t = rules.nextTransition(t.getInstant())) {
			this.offsetStarts[i] = t.toEpochSecond();
			this.offsetSeconds[i] = t.getOffsetAfter().getTotalSeconds();
		}
	}

	/** The number of days in the window. */
	int dayCount() {
		return this.dayCount;
	}

	/** The date of a day of the window. */
	LocalDate day(int index) {
		return LocalDate.ofEpochDay(this.firstEpochDay + index);
	}

	/**
	 * Returns the window's number of the local day an instant falls on.
	 * @param instant the instant
	 * @return the day's number, or {@link #OUTSIDE} when the day is not in the window
	 */
	int indexOf(Instant instant) {
		// Offsets are whole seconds, so the nanoseconds never change the day.
		long second = instant.getEpochSecond();
		if (second < this.spanStart || second >= this.spanEnd) {
			return OUTSIDE;
		}
		long localDay = Math.floorDiv(second + offsetAt(second), SECONDS_PER_DAY);
		long index = localDay - this.firstEpochDay;
		return (index >= 0 && index < this.dayCount) ? (int) index : OUTSIDE;
	}

	private int offsetAt(long second) {
		if (this.offsetStarts.length == 1) {
			return this.offsetSeconds[0];
		}
		int found = Arrays.binarySearch(this.offsetStarts, second);
		return this.offsetSeconds[(found >= 0) ? found : -found - 2];
	}

}
