package dev.healthscore.io.synthetic;

import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import dev.healthscore.io.LogContext;
import dev.healthscore.io.jdbc.MonthlyPartitions;
import dev.healthscore.io.jdbc.PgBinaryCopyWriter;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.util.Assert;

/**
 * Generates a deterministic, realistic data set of users and readings and writes it with
 * binary {@code COPY}, users split across parallel streams.
 */
public class SyntheticDataGenerator {

	private static final Logger logger = LoggerFactory.getLogger(SyntheticDataGenerator.class);

	private static final String COPY_READINGS = "COPY health_reading (user_id, metric, recorded_at, value, source, ingested_at) FROM STDIN (FORMAT binary)";

	private static final String COPY_USERS = "COPY app_user (user_id, time_zone, daily_step_goal, created_at, deleted_at) FROM STDIN (FORMAT binary)";

	private final DataSource dataSource;

	public SyntheticDataGenerator(DataSource dataSource) {
		Assert.notNull(dataSource, "A dataSource is required");
		this.dataSource = dataSource;
	}

	/**
	 * Generates the data set of {@code spec}; readings that would arrive after
	 * {@code now} arrive at {@code now}.
	 */
	public GenerationSummary generate(SyntheticDataSpec spec, Instant now) {
		long started = System.nanoTime();
		MonthlyPartitions partitions = new MonthlyPartitions(this.dataSource);
		partitions.ensure("health_reading", YearMonth.from(spec.firstDay().minusDays(1)),
				YearMonth.from(spec.lastDay().plusDays(8)));
		long users = writeUsers(spec, now);
		long[] counts = writeReadings(spec, now);
		Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
		GenerationSummary summary = new GenerationSummary(users, counts[0], counts[1], elapsed);
		logger.info("Generated {} users and {} readings ({} invalid) in {} ms, {} readings/s", users, counts[0],
				counts[1], elapsed.toMillis(), Math.round(summary.readingsPerSecond()));
		return summary;
	}

	private long writeUsers(SyntheticDataSpec spec, Instant now) {
		return copy(COPY_USERS, (out) -> {
			for (long id = 1; id <= spec.users(); id++) {
				SimulatedUser user = new SimulatedUser(id, spec.seed(), now);
				out.startRow(5);
				out.int8(id);
				out.text(user.zone.getId());
				out.int4(user.stepGoal);
				out.timestamp(spec.firstDay().minusDays(30).atStartOfDay(ZoneOffset.UTC).toInstant());
				if (user.deleted) {
					out.timestamp(now);
				}
				else {
					out.nullValue();
				}
			}
			return spec.users();
		});
	}

	private long[] writeReadings(SyntheticDataSpec spec, Instant now) {
		int threads = Math.min(spec.threads(), spec.users());
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			List<Future<long[]>> results = new ArrayList<>();
			long perThread = (spec.users() + threads - 1) / threads;
			for (int t = 0; t < threads; t++) {
				long first = 1 + t * perThread;
				long last = Math.min(spec.users(), first + perThread - 1);
				boolean unknownUsers = t == threads - 1;
				results.add(executor
					.submit(LogContext.carryCallable(() -> writeReadings(spec, now, first, last, unknownUsers))));
			}
			long[] total = new long[2];
			for (Future<long[]> result : results) {
				long[] counts = result.get();
				total[0] += counts[0];
				total[1] += counts[1];
			}
			return total;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while generating readings", ex);
		}
		catch (java.util.concurrent.ExecutionException ex) {
			throw new IllegalStateException("Cannot generate readings: " + ex.getCause().getMessage(), ex.getCause());
		}
		finally {
			executor.shutdownNow();
		}
	}

	private long[] writeReadings(SyntheticDataSpec spec, Instant now, long firstUser, long lastUser,
			boolean unknownUsers) {
		long[] counts = new long[2];
		copy(COPY_READINGS, (out) -> {
			for (long id = firstUser; id <= lastUser; id++) {
				writeUser(new SimulatedUser(id, spec.seed(), now), out, spec.firstDay(), spec.lastDay(), counts);
			}
			if (unknownUsers) {
				// a few readings of users that do not exist in app_user
				long extra = Math.max(1, spec.users() / 200);
				for (long id = spec.users() + 1; id <= spec.users() + extra; id++) {
					SimulatedUser ghost = new SimulatedUser(id, spec.seed(), now);
					writeUser(ghost, out, spec.lastDay().minusDays(1).isBefore(spec.firstDay()) ? spec.firstDay()
							: spec.lastDay().minusDays(1), spec.lastDay(), counts);
					counts[1] += ghost.readings - ghost.invalid;
				}
			}
			return 0L;
		});
		return counts;
	}

	private static void writeUser(SimulatedUser user, PgBinaryCopyWriter out, LocalDate first, LocalDate last,
			long[] counts) throws IOException {
		user.writeDays(out, first, last);
		counts[0] += user.readings;
		counts[1] += user.deleted ? user.readings : user.invalid;
	}

	private long copy(String sql, CopyBody body) {
		try (Connection connection = this.dataSource.getConnection()) {
			PGConnection pg = connection.unwrap(PGConnection.class);
			try (OutputStream stream = new PGCopyOutputStream(pg, sql, 1 << 20);
					PgBinaryCopyWriter out = new PgBinaryCopyWriter(stream)) {
				return body.write(out);
			}
		}
		catch (SQLException | IOException ex) {
			throw new IllegalStateException(
					"Cannot write synthetic data with " + sql.substring(0, 24) + "…: " + ex.getMessage(), ex);
		}
	}

	/** Writes rows of one {@code COPY}. */
	@FunctionalInterface
	private interface CopyBody {

		long write(PgBinaryCopyWriter out) throws IOException;

	}

}
