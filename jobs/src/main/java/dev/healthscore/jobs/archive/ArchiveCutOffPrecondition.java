package dev.healthscore.jobs.archive;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import dev.healthscore.jobs.cli.RunPrecondition;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.schedules.JobNames;
import dev.healthscore.schedules.JobStep;
import dev.healthscore.schedules.ScheduleParameters;
import dev.healthscore.schedules.Schedules;
import dev.healthscore.scoring.ScoringAlgorithm;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Refuses an {@code archive} run whose cut-off would take out of PostgreSQL a month that
 * the scheduled recompute and reconcile still read: their days back, the scoring baseline
 * before them, and a day's margin for time zones. Those runs would then be refused every
 * night until the month is restored. {@code --allow-recent} lets such a run through, for
 * a database that is not scored nightly (the demo's). A cut-off after the clock's month
 * is refused too, as the job would refuse it, but before anything starts, and so is a
 * {@code --rearchive} month that is not before the cut-off.
 */
@Component
class ArchiveCutOffPrecondition implements RunPrecondition {

	private final ArchiveProperties properties;

	private final Clock clock;

	private final int reachDays;

	private final int daysBack;

	private final int lookbackDays;

	ArchiveCutOffPrecondition(ArchiveProperties properties, ObjectProvider<Clock> clock, ScoringAlgorithm algorithm) {
		this.properties = properties;
		this.clock = clock.getIfAvailable(Clock::systemUTC);
		this.daysBack = scheduledDaysBack(Schedules.defaults());
		this.lookbackDays = algorithm.lookbackDays();
		this.reachDays = this.daysBack + this.lookbackDays + 1;
	}

	@Override
	public void check(String job, Map<String, String> parameters) {
		if (!ArchiveJobConfiguration.JOB_NAME.equals(job)) {
			return;
		}
		Instant now = this.clock.instant();
		YearMonth cutOff;
		try {
			cutOff = ArchivePlan.cutOff(parameters.get("before"), parameters.get("hot-months"),
					parameters.get(ArchiveOptions.SCHEDULED_TIME), this.properties, now);
		}
		catch (IllegalArgumentException ex) {
			throw new UsageException(ex.getMessage() + "; nothing was started");
		}
		for (YearMonth month : ArchiveOptions.rearchiveParameter(parameters.get(ArchiveOptions.REARCHIVE))) {
			if (!month.isBefore(cutOff)) {
				throw new UsageException(("Cannot archive %s again (--%s): the run archives the months before %s"
						+ " only; give --before=%s or a later month to archive it; nothing was started")
					.formatted(month, ArchiveOptions.REARCHIVE, cutOff, month.plusMonths(1)));
			}
		}
		if ("true".equals(parameters.get(ArchiveOptions.ALLOW_RECENT))) {
			return;
		}
		LocalDate firstRead = LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(this.reachDays);
		YearMonth latest = YearMonth.from(firstRead);
		if (cutOff.isAfter(latest)) {
			YearMonth current = YearMonth.from(now.atOffset(ZoneOffset.UTC));
			long hot = latest.until(current, ChronoUnit.MONTHS);
			throw new UsageException(("Cannot archive the months before %s: the nightly recompute and reconcile"
					+ " read back to %s (%d days back and the %d-day baseline), so they would be refused until"
					+ " the months were restored. Archive the months before %s at the latest (--before=%s or"
					+ " --hot-months=%d), or give --allow-recent for a database that is not scored nightly;"
					+ " nothing was started")
				.formatted(cutOff, firstRead, this.daysBack, this.lookbackDays, latest, latest, hot));
		}
	}

	/** The most days back that a scheduled recompute or reconcile reads. */
	static int scheduledDaysBack(Schedules catalogue) {
		return catalogue.definitions()
			.stream()
			.flatMap((schedule) -> schedule.steps().stream())
			.filter((step) -> JobNames.RECOMPUTE.equals(step.job()) || JobNames.RECONCILE.equals(step.job()))
			.map(JobStep::parameters)
			.map((parameters) -> parameters.get(ScheduleParameters.DAYS_BACK))
			.filter((value) -> value != null)
			.mapToInt(Integer::parseInt)
			.max()
			.orElse(0);
	}

}
