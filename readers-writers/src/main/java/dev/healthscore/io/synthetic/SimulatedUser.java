package dev.healthscore.io.synthetic;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.SplittableRandom;

import dev.healthscore.io.jdbc.PgBinaryCopyWriter;

/**
 * One synthetic user and the readings their phone and (maybe) watch send, day by day:
 * overlapping step counts from both devices, activity sessions, a sleep session recorded
 * at wake-up, resting heart rate and hourly heart-rate samples; a few late arrivals and,
 * rarely, an invalid value or a device clock set ahead.
 */
final class SimulatedUser {

	static final String[] ZONES = { "UTC", "Europe/London", "Europe/Berlin", "Europe/Helsinki", "America/New_York",
			"America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "America/St_Johns",
			"Asia/Kolkata", "Asia/Kathmandu", "Asia/Tehran", "Asia/Tokyo", "Asia/Shanghai", "Australia/Sydney",
			"Australia/Eucla", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Pago_Pago",
			"Africa/Lagos" };

	static final int[] GOALS = { 5000, 6000, 7500, 8000, 8000, 10000, 12000 };

	/** Chance of a deliberately invalid reading, per reading. */
	private static final double INVALID_RATE = 0.0004;

	/** Chance that a reading arrives days late, per reading. */
	private static final double LATE_RATE = 0.005;

	final long userId;

	final ZoneId zone;

	final int stepGoal;

	final boolean deleted;

	private final boolean hasWatch;

	private final double activity;

	private final double restingRate;

	private final SplittableRandom random;

	private final long cutoffMicros;

	long readings;

	long invalid;

	SimulatedUser(long userId, long seed, Instant cutoff) {
		this.userId = userId;
		this.random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (userId * 0xC2B2AE3D27D4EB4FL));
		this.zone = ZoneId.of(ZONES[this.random.nextInt(ZONES.length)]);
		this.stepGoal = GOALS[this.random.nextInt(GOALS.length)];
		this.deleted = this.random.nextDouble() < 0.01;
		this.hasWatch = this.random.nextDouble() < 0.6;
		this.activity = 0.4 + this.random.nextDouble() * 1.1;
		this.restingRate = 48 + this.random.nextDouble() * 30;
		this.cutoffMicros = micros(cutoff);
	}

	void writeDays(PgBinaryCopyWriter out, LocalDate first, LocalDate last) throws IOException {
		for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
			writeDay(out, micros(day.atStartOfDay(this.zone).toInstant()));
		}
	}

	private void writeDay(PgBinaryCopyWriter out, long midnight) throws IOException {
		double dayFactor = this.activity * (0.5 + this.random.nextDouble());
		boolean watchWorn = this.hasWatch && this.random.nextDouble() < 0.9;
		for (int hour = 7; hour <= 22; hour++) {
			double steps = Math.floor(this.stepGoal / 16.0 * dayFactor * (0.3 + this.random.nextDouble() * 1.4));
			write(out, "steps", "phone", at(midnight, hour), steps);
			if (watchWorn) {
				write(out, "steps", "watch", at(midnight, hour),
						Math.floor(steps * (0.9 + this.random.nextDouble() * 0.4)));
			}
		}
		int sessions = watchWorn ? 1 + this.random.nextInt(3) : this.random.nextInt(2);
		for (int i = 0; i < sessions; i++) {
			write(out, "active_minutes", watchWorn ? "watch" : "phone", at(midnight, 8 + i * 5),
					Math.floor(5 + this.random.nextDouble() * 40 * dayFactor));
		}
		writeSleep(out, midnight, watchWorn);
		if (watchWorn) {
			writeHeart(out, midnight);
		}
	}

	private void writeSleep(PgBinaryCopyWriter out, long midnight, boolean watchWorn) throws IOException {
		double minutes = Math.floor(Math.max(180, Math.min(720, 440 + this.random.nextGaussian() * 70)));
		if (watchWorn && this.random.nextDouble() < 0.85) {
			write(out, "sleep_minutes", "watch", at(midnight, 6), minutes);
		}
		if (this.random.nextDouble() < 0.3) {
			write(out, "sleep_minutes", "phone", at(midnight, 7),
					Math.floor(minutes * (0.85 + this.random.nextDouble() * 0.3)));
		}
	}

	private void writeHeart(PgBinaryCopyWriter out, long midnight) throws IOException {
		double resting = Math.round(this.restingRate + this.random.nextGaussian() * 2.5);
		write(out, "resting_heart_rate", "watch", at(midnight, 8), resting);
		if (this.random.nextDouble() < 0.1) {
			write(out, "resting_heart_rate", "phone", at(midnight, 9), resting + this.random.nextInt(7) - 3);
		}
		for (int hour = 0; hour < 24; hour++) {
			write(out, "heart_rate", "watch", at(midnight, hour),
					Math.round(resting + 5 + this.random.nextDouble() * (hour >= 7 && hour <= 21 ? 50 : 15)));
		}
	}

	/** A time in the given hour after local midnight, at an even microsecond. */
	private long at(long midnight, int hour) {
		return midnight + hour * 3_600_000_000L + (this.random.nextLong(3_600_000_000L) & ~1L);
	}

	private void write(PgBinaryCopyWriter out, String metric, String source, long recorded, double value)
			throws IOException {
		long ingested = recorded + 5_000_000L + this.random.nextLong(600_000_000L);
		if (this.random.nextDouble() < LATE_RATE) {
			ingested = recorded + 86_400_000_000L * (1 + this.random.nextInt(5));
		}
		ingested = Math.max(recorded, Math.min(ingested, this.cutoffMicros));
		if (this.random.nextDouble() < INVALID_RATE) {
			switch (this.random.nextInt(4)) {
				case 0 -> value = Double.NaN;
				case 1 -> value = Double.POSITIVE_INFINITY;
				case 2 -> value = -1 - value;
				default -> recorded = (ingested + 2 * 86_400_000_000L) | 1L; // clock set
																				// ahead:
																				// odd
																				// micros
			}
			this.invalid++;
		}
		out.startRow(6);
		out.int8(this.userId);
		out.text(metric);
		out.timestampMicros(recorded);
		out.float8(value);
		out.text(source);
		out.timestampMicros(ingested);
		this.readings++;
	}

	static long micros(Instant instant) {
		return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
	}

}
