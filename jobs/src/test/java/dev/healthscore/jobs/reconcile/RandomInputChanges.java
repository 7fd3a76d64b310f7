package dev.healthscore.jobs.reconcile;

import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.LongSupplier;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Random changes of the scores' inputs as the app makes them, for the randomized
 * reconcile tests: readings arriving late for any metric and day (resting heart rates
 * more often than their share: they reach 28 days on), some invalid; readings deleted,
 * changed in place or moved to nearby days; users created with readings, soft- and
 * hard-deleted, undeleted, given another step goal or time zone; readings of user ids
 * that exist only later, or never.
 */
final class RandomInputChanges {

	private static final String[] METRICS = { "steps", "active_minutes", "sleep_minutes", "resting_heart_rate",
			"heart_rate" };

	private static final String[] SOURCES = { "phone", "watch", "late-band" };

	/** Zones with half- and quarter-hour offsets, both hemispheres' DST, and +14/-11. */
	private static final String[] ZONES = { "UTC", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
			"Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "America/St_Johns", "Europe/Berlin" };

	private final LocalDate firstDay;

	private final int days;

	private final LongSupplier newUserIds;

	/**
	 * Creates the changes of a data set.
	 * @param firstDay the first local day a change may fall on
	 * @param days how many days from it
	 * @param newUserIds the ids of the users a change creates
	 */
	RandomInputChanges(LocalDate firstDay, int days, LongSupplier newUserIds) {
		this.firstDay = firstDay;
		this.days = days;
		this.newUserIds = newUserIds;
	}

	/**
	 * Makes one random change through {@code jdbc} (a transaction's, or auto-commit) and
	 * {@code app} (the same connection's scenario); a statement the database refuses (a
	 * moved reading onto a key taken) throws, as the app's would.
	 * @return what it did, for the test's history
	 */
	String change(JdbcTemplate jdbc, ReconcileScenario app, Random random) {
		List<Long> live = app.liveUsers();
		long user = live.get(random.nextInt(live.size()));
		LocalDate day = this.firstDay.plusDays(random.nextInt(this.days));
		String metric = METRICS[random.nextInt(METRICS.length)];
		int kind = random.nextInt(100);
		if (kind < 40) {
			if (random.nextInt(3) == 0) {
				metric = "resting_heart_rate";
			}
			double value = value(metric, random);
			String time = String.format(Locale.ROOT, "%02d:%02d:%02d", random.nextInt(24), random.nextInt(60),
					random.nextInt(60));
			String source = SOURCES[random.nextInt(SOURCES.length)];
			int rows = jdbc.update("""
					INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
					SELECT user_id, ?, (CAST(? AS date) + CAST(? AS time)) AT TIME ZONE time_zone, ?, ?
					FROM app_user WHERE user_id = ?
					ON CONFLICT DO NOTHING""", metric, day, time, value, source, user);
			return String.format(Locale.ROOT, "late %s %s=%s at %s %s from %s: %d row", user, metric, value, day, time,
					source, rows);
		}
		if (kind < 50) {
			return String.format(Locale.ROOT, "delete %s's %s of %s: %d rows", user, metric, day,
					app.deleteReadings(user, metric, day));
		}
		if (kind < 54) {
			return String.format(Locale.ROOT, "delete %s's readings of %s: %d rows", user, day,
					app.deleteDay(user, day));
		}
		if (kind < 64) {
			double factor = 0.5 + random.nextInt(16) / 10.0;
			return String.format(Locale.ROOT, "multiply %s's %s of %s by %s: %d rows", user, metric, day, factor,
					app.changeValues(user, metric, day, factor));
		}
		if (kind < 68) {
			LocalDate to = day.plusDays(random.nextInt(7) - 3);
			return String.format(Locale.ROOT, "move %s's readings of %s to %s: %d rows", user, day, to,
					app.moveDay(user, day, to));
		}
		if (kind < 74) {
			int goal = 3000 + 500 * random.nextInt(30);
			app.changeStepGoal(user, goal);
			return "goal of " + user + ": " + goal;
		}
		if (kind < 80) {
			String zone = ZONES[random.nextInt(ZONES.length)];
			app.setTimeZone(user, zone);
			return "zone of " + user + ": " + zone;
		}
		if (kind < 85) {
			app.softDelete(user);
			return "soft-delete " + user;
		}
		if (kind < 89) {
			List<Long> deleted = jdbc
				.queryForList("SELECT user_id FROM app_user WHERE deleted_at IS NOT NULL ORDER BY user_id", Long.class);
			if (deleted.isEmpty()) {
				return "no user to undelete";
			}
			long back = deleted.get(random.nextInt(deleted.size()));
			app.undelete(back);
			return "undelete " + back;
		}
		if (kind < 91) {
			app.hardDelete(user);
			return "hard-delete " + user;
		}
		if (kind < 97) {
			long created = this.newUserIds.getAsLong();
			String zone = ZONES[random.nextInt(ZONES.length)];
			app.createUser(created, zone, 4000 + 1000 * random.nextInt(8));
			for (int d = 0; d < 3; d++) {
				LocalDate at = day.plusDays(d);
				app.lateReading(created, "steps", at, "11:00", 1000 + random.nextInt(9000));
				app.lateReading(created, "resting_heart_rate", at, "06:30", 50 + random.nextInt(20));
			}
			return String.format(Locale.ROOT, "new user %s in %s with 3 days from %s", created, zone, day);
		}
		long ghost = 9000 + random.nextInt(3);
		String at = day + "T12:00:00Z";
		int rows = jdbc.update("""
				INSERT INTO health_reading (user_id, metric, recorded_at, value, source)
				VALUES (?, 'steps', CAST(? AS timestamptz), ?, 'phone') ON CONFLICT DO NOTHING""", ghost, at,
				1000 + random.nextInt(5000));
		int users = 0;
		if (random.nextBoolean()) {
			users = jdbc.update("""
					INSERT INTO app_user (user_id, time_zone, daily_step_goal) VALUES (?, ?, 8000)
					ON CONFLICT DO NOTHING""", ghost - 1, ZONES[random.nextInt(ZONES.length)]);
		}
		return String.format(Locale.ROOT, "reading of user id %s at %s: %d row; user %s created: %d", ghost, at, rows,
				ghost - 1, users);
	}

	/** A value of the metric: mostly valid, sometimes out of range or not finite. */
	private static double value(String metric, Random random) {
		int draw = random.nextInt(20);
		if (draw == 0) {
			return Double.NaN;
		}
		if (draw == 1) {
			return -1;
		}
		return switch (metric) {
			case "steps" -> random.nextInt(12_000);
			case "active_minutes" -> random.nextInt(90) + 0.5 * random.nextInt(2);
			case "sleep_minutes" -> 200 + random.nextInt(400);
			default -> 40 + random.nextInt(60);
		};
	}

}
