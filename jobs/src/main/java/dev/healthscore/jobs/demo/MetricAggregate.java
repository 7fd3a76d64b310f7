package dev.healthscore.jobs.demo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveReader;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Readings per metric of an archived month, computed over the rows read back from S3: how
 * many have a finite value, from how many users, and their average.
 */
final class MetricAggregate {

	private final Map<String, Group> groups = new TreeMap<>();

	private MetricAggregate() {
	}

	static MetricAggregate of(S3Client s3, ArchiveManifest manifest) throws IOException {
		MetricAggregate aggregate = new MetricAggregate();
		new ArchiveReader(s3).read(manifest, aggregate::add);
		return aggregate;
	}

	private void add(Object[] row) {
		// columns of health_reading: user_id, metric, recorded_at, value, source,
		// ingested_at
		Double value = (Double) row[3];
		if (value != null && Double.isFinite(value)) {
			Group group = this.groups.computeIfAbsent((String) row[1], (metric) -> new Group());
			group.readings++;
			group.users.add((Long) row[0]);
			group.sum += value;
		}
	}

	List<String> lines() {
		List<String> lines = new ArrayList<>();
		lines.add("  %-20s %10s %7s %14s".formatted("metric", "readings", "users", "average_value"));
		this.groups.forEach((metric, group) -> lines.add(String.format(Locale.ROOT, "  %-20s %,10d %,7d %,14.1f",
				metric, group.readings, group.users.size(), group.sum / group.readings)));
		return lines;
	}

	private static final class Group {

		long readings;

		final Set<Long> users = new HashSet<>();

		double sum;

	}

}
