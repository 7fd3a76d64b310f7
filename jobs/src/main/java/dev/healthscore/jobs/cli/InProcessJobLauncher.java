package dev.healthscore.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.healthscore.jobs.JobLogContext;
import dev.healthscore.schedules.JobLaunch;
import dev.healthscore.schedules.RunOutcome;
import dev.healthscore.schedules.ScheduledJobLauncher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.job.Job;
import org.springframework.stereotype.Component;

/**
 * Runs the jobs of a schedule in this process, as {@code run <job> …} would: the step's
 * arguments go through the job's {@link JobOptions}, and the run through the
 * {@link JobRunner} with its guard and restart rules, once per firing
 * ({@link JobRunner#runForFiring}). Its lines before the run, a refusal's included, carry
 * the job's name ({@link JobLogContext}); that of a firing an earlier execution
 * completed, that execution's keys.
 */
@Component
public class InProcessJobLauncher implements ScheduledJobLauncher {

	private static final Logger logger = LoggerFactory.getLogger(InProcessJobLauncher.class);

	private final JobRunner jobRunner;

	private final Map<String, Job> jobs;

	public InProcessJobLauncher(JobRunner jobRunner, Map<String, Job> jobs) {
		this.jobRunner = jobRunner;
		this.jobs = jobs;
	}

	@Override
	public RunOutcome launch(JobLaunch launch) throws Exception {
		List<String> args = new ArrayList<>();
		args.add("run");
		args.add(launch.job());
		args.addAll(launch.arguments());
		JobRunner.Outcome outcome;
		try (JobLogContext.Scope scope = JobLogContext.open(launch.job())) {
			try {
				Invocation invocation = CommandLineParser.parse(args.toArray(String[]::new));
				invocation.notes().forEach(logger::info);
				outcome = this.jobRunner.runForFiring(job(launch.job()), invocation.parameters(),
						launch.scheduledTime());
				if (outcome.completedBefore() != null) {
					// with the keys of the execution that completed the firing, which
					// it names
					try (JobLogContext.Scope completed = JobLogContext.open(outcome.completedBefore())) {
						logger.info(RunSummary.ofAlreadyCompleted(outcome.completedBefore(), launch.scheduledTime()));
					}
				}
				if (outcome.execution() != null) {
					// the line a run of the job alone ends with: how it ended
					// and, when it did not complete, why and how to go on
					RunSummary.log(logger, outcome.execution(),
							RunSummary.ofScheduled(outcome.execution(), outcome.exitCode(), launch),
							outcome.exitCode());
				}
			}
			catch (UsageException ex) {
				// the schedule fails with it, which the scheduler logs without the job's
				// name: this line is found with the job's
				logger.error("Schedule {} ({}): {} refused: {}", launch.schedule(), launch.scheduledTime(),
						launch.job(), ex.getMessage());
				throw ex;
			}
		}
		return switch (outcome.exitCode()) {
			case COMPLETED -> RunOutcome.COMPLETED;
			case ALREADY_RUNNING -> RunOutcome.ALREADY_RUNNING;
			case STOPPED -> RunOutcome.STOPPED;
			default -> RunOutcome.FAILED;
		};
	}

	/**
	 * Checks the settings that a run of a job uses, as its run would before it starts.
	 * @param job the job's name
	 * @throws UsageException when they refuse every run of it
	 */
	public void checkSettings(String job) {
		this.jobRunner.checkSettings(job);
	}

	/** The job bean named {@code name}. */
	public Job job(String name) {
		return this.jobs.values()
			.stream()
			.filter((job) -> job.getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new UsageException("Job '%s' is not available in this application".formatted(name)));
	}

}
