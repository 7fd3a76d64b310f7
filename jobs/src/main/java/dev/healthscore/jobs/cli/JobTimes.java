package dev.healthscore.jobs.cli;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;

/**
 * The instants of the times Spring Batch keeps of an execution (start, end, last update):
 * it keeps them as {@link LocalDateTime}s of the JVM's default zone, and stores them so
 * in the job repository (a {@code timestamp} without a zone), while operators read every
 * other time in UTC.
 */
public final class JobTimes {

	private JobTimes() {
	}

	/**
	 * The instant {@code time}, a local time of the JVM's default zone as Spring Batch
	 * keeps and stores it, denotes; {@code null} for {@code null} (not started or not
	 * ended yet).
	 */
	public static Instant instant(LocalDateTime time) {
		return (time != null) ? time.atZone(ZoneId.systemDefault()).toInstant() : null;
	}

}
