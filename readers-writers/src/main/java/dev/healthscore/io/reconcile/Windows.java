package dev.healthscore.io.reconcile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import dev.healthscore.scoring.Metric;

/**
 * Read windows {@code (user, metric, [low, high))} as the PostgreSQL array literals a
 * {@code COPY} query embeds: only numbers, metric names and ISO instants, never text from
 * outside.
 */
final class Windows {

	private final List<Long> users = new ArrayList<>();

	private final List<Metric> metrics = new ArrayList<>();

	private final List<Instant> lows = new ArrayList<>();

	private final List<Instant> highs = new ArrayList<>();

	void add(long userId, Metric metric, Instant low, Instant high) {
		this.users.add(userId);
		this.metrics.add(metric);
		this.lows.add(low);
		this.highs.add(high);
	}

	boolean isEmpty() {
		return this.users.isEmpty();
	}

	int size() {
		return this.users.size();
	}

	String users() {
		return literal(this.users.stream().map(String::valueOf).toList());
	}

	String metrics() {
		return literal(this.metrics.stream().map(Metric::columnValue).toList());
	}

	String lows() {
		return literal(this.lows.stream().map(Instant::toString).toList());
	}

	String highs() {
		return literal(this.highs.stream().map(Instant::toString).toList());
	}

	private static String literal(List<String> values) {
		return values.stream().collect(Collectors.joining(",", "{", "}"));
	}

}
