package dev.healthscore.io.score;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import dev.healthscore.io.jdbc.PgHashes;
import dev.healthscore.scoring.Metric;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.UserProfile;

/**
 * The Java twins of the database functions {@code healthscore_reading_hash} and
 * {@code healthscore_profile_hash} (migration V3), which are PostgreSQL's
 * {@code hash_record_extended(ROW(...), 0)}: a reading hashes as the row
 * {@code (metric, recorded_at, source, value)}, a profile as
 * {@code (daily_step_goal, time_zone)}. The UTF-8 bytes of metrics, sources and zones are
 * cached. Not thread-safe: one instance per thread.
 */
public final class InputHashes {

	/** Sources and zones are few; a bound keeps odd data from growing the cache. */
	private static final int MAX_CACHED_TEXTS = 1024;

	private final Map<Metric, Long> metrics = new EnumMap<>(Metric.class);

	private final Map<String, Long> texts = new HashMap<>();

	/** The hash of a reading as a score input. */
	public long reading(Reading reading) {
		long hash = PgHashes.combine(0, this.metrics.computeIfAbsent(reading.metric(),
				(metric) -> PgHashes.text(metric.columnValue().getBytes(StandardCharsets.UTF_8), 0)));
		long micros = reading.recordedAt().getEpochSecond() * 1_000_000L + reading.recordedAt().getNano() / 1_000;
		hash = PgHashes.combine(hash, PgHashes.timestamp(micros, 0));
		hash = PgHashes.combine(hash, text(reading.source()));
		return PgHashes.combine(hash, PgHashes.float8(reading.value(), 0));
	}

	/** The hash of the user attributes a score depends on. */
	public long profile(UserProfile user) {
		long hash = PgHashes.combine(0, PgHashes.int4(user.dailyStepGoal(), 0));
		return PgHashes.combine(hash, text(user.timeZone().getId()));
	}

	private long text(String text) {
		if (this.texts.size() > MAX_CACHED_TEXTS) {
			this.texts.clear();
		}
		return this.texts.computeIfAbsent(text, (t) -> PgHashes.text(t.getBytes(StandardCharsets.UTF_8), 0));
	}

}
