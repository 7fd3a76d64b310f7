package dev.healthscore.jobs.demo;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import dev.healthscore.io.Durations;
import dev.healthscore.io.archive.ArchiveLedger;
import dev.healthscore.io.archive.ArchiveLedgerEntry;
import dev.healthscore.io.archive.ArchiveManifest;
import dev.healthscore.io.archive.ArchiveManifests;
import dev.healthscore.io.archive.ArchiveSettings;
import dev.healthscore.io.archive.ArchiveTable;
import dev.healthscore.jobs.archive.ArchiveOptions;
import dev.healthscore.jobs.archive.ArchiveProperties;
import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.JobRunner;
import dev.healthscore.jobs.cli.RunSummary;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.batch.core.job.Job;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The demo's last part: archives the data set's oldest complete month (and the days
 * before it) with an explicit {@code --before}, since 60 days of data are far younger
 * than the 13-month hot window, then answers an Athena-style query over the archived
 * month by reading its Parquet files back from S3 with the archive's own reader.
 */
@Component
public class DemoArchive {

	private final JobRunner jobRunner;

	private final ObjectProvider<S3Client> s3;

	private final ArchiveSettings settings;

	private final ArchiveProperties properties;

	private final DataSource dataSource;

	DemoArchive(JobRunner jobRunner, ObjectProvider<S3Client> s3, ArchiveSettings settings,
			ArchiveProperties properties, DataSource dataSource) {
		this.jobRunner = jobRunner;
		this.s3 = s3;
		this.settings = settings;
		this.properties = properties;
		this.dataSource = dataSource;
	}

	/**
	 * Returns the month the demo archives: the oldest complete month of the days, or the
	 * first month when none is complete.
	 * @param first the first day of data
	 * @param last the last day of data
	 * @return the month
	 */
	public static YearMonth monthToArchive(LocalDate first, LocalDate last) {
		YearMonth complete = (first.getDayOfMonth() == 1) ? YearMonth.from(first) : YearMonth.from(first).plusMonths(1);
		return complete.atEndOfMonth().isAfter(last) ? YearMonth.from(first) : complete;
	}

	/**
	 * Runs the archive job and describes what it did.
	 * @param archiveJob the {@code archive} job
	 * @param first the first day of data
	 * @param last the last day of data
	 * @return the exit code and the text to print
	 */
	public Result run(Job archiveJob, LocalDate first, LocalDate last) throws Exception {
		YearMonth month = monthToArchive(first, last);
		YearMonth before = month.plusMonths(1);
		long started = System.nanoTime();
		// months the nightly still reads: the demo's database is not scored nightly
		JobRunner.Outcome outcome = this.jobRunner.run(archiveJob,
				Map.of("before", before.toString(), ArchiveOptions.ALLOW_RECENT, "true"));
		List<String> lines = new ArrayList<>();
		lines.add(String.format(Locale.ROOT,
				"archive:          run archive --before=%s --allow-recent: the data (%s..%s) is younger than the %d-month",
				before, first, last, this.properties.hotMonths()));
		lines.add(("                  hot window and the nightly's reach, so the demo names the cut-off: its oldest"
				+ " complete month %s")
			.formatted(month));
		lines.add(String.format(Locale.ROOT, "                  and the days before it. %s in %.1f s (exit code %d)",
				(outcome.execution() != null) ? outcome.execution().getStatus() : "not started",
				(System.nanoTime() - started) / 1e9, outcome.exitCode().code()));
		if (outcome.exitCode() != ExitCode.COMPLETED && outcome.execution() != null) {
			// the stack traces above say it too, among a hundred lines
			lines.add("                  why: " + RunSummary.why(outcome.execution()));
		}
		lines.addAll(ledger());
		if (outcome.exitCode() == ExitCode.COMPLETED) {
			lines.addAll(query(month));
		}
		return new Result(outcome.exitCode(), String.join(System.lineSeparator(), lines));
	}

	private List<String> ledger() throws SQLException {
		List<String> lines = new ArrayList<>();
		try (Connection connection = this.dataSource.getConnection()) {
			for (ArchiveLedgerEntry entry : new ArchiveLedger().entries(connection)) {
				lines.add(String.format(Locale.ROOT,
						"  %-15s %s: %,9d rows, %d file(s), %6.2f MiB, %s (dropped by a run after the %s grace period)",
						entry.table().tableName(), entry.month(), entry.rowCount(), entry.fileCount(),
						entry.bytes() / 1048576.0, entry.state(), Durations.format(this.properties.gracePeriod())));
			}
		}
		return lines;
	}

	private List<String> query(YearMonth month) throws IOException {
		ArchiveManifest manifest = new ArchiveManifests(this.s3.getObject(), this.settings.layout())
			.read(ArchiveTable.HEALTH_READING, month);
		List<String> lines = new ArrayList<>();
		lines.add("Athena-style query over %s, answered from the Parquet files read back from S3"
			.formatted(manifest.location()));
		lines.add("with the archive's own Parquet reader, not DuckDB (~70 MB, a test dependency only):");
		lines.add("  SELECT metric, count(*) AS readings, count(DISTINCT user_id) AS users,");
		lines.add("         round(avg(value), 1) AS average_value");
		lines.add("  FROM health_reading WHERE month = '%s' AND is_finite(value)".formatted(month));
		lines.add("  GROUP BY metric ORDER BY metric");
		lines.addAll(MetricAggregate.of(this.s3.getObject(), manifest).lines());
		return lines;
	}

	/**
	 * What the demo's archive part ended with.
	 *
	 * @param exitCode the archive job's exit code
	 * @param text the lines to print
	 */
	public record Result(ExitCode exitCode, String text) {

	}

}
