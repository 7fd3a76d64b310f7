package dev.healthscore.bench;

import java.util.Locale;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Stores the generated readings again in the order they arrived ({@code ingested_at}), as
 * an app's table holds them, instead of user by user as the generator writes them: a
 * user's readings then lie on many pages, not on a few, and a scan meets the users in no
 * order.
 */
final class ArrivalOrder {

	private ArrivalOrder() {
	}

	/**
	 * Rewrites every partition of {@code health_reading} in arrival order.
	 * @param jdbc the benchmark's database
	 */
	static void rewrite(JdbcTemplate jdbc) {
		long started = System.nanoTime();
		jdbc.execute("CREATE TABLE arrival AS SELECT * FROM health_reading");
		jdbc.execute("TRUNCATE health_reading");
		// built again by sorting afterwards: 10M inserts into it in time order would be
		// random writes
		jdbc.execute("ALTER TABLE health_reading DROP CONSTRAINT health_reading_pkey");
		jdbc.execute("INSERT INTO health_reading SELECT * FROM arrival ORDER BY ingested_at, user_id");
		jdbc.execute("ALTER TABLE health_reading ADD PRIMARY KEY (user_id, metric, recorded_at, source)");
		jdbc.execute("DROP TABLE arrival");
		// the rewrite is not a change of the inputs
		jdbc.execute("TRUNCATE score_input_change");
		System.out.printf(Locale.ROOT, "readings stored again in arrival order in %.1f s%n",
				(System.nanoTime() - started) / 1e9);
	}

}
