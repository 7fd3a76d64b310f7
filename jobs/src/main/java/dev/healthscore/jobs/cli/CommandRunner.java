package dev.healthscore.jobs.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import dev.healthscore.io.synthetic.GenerationSummary;
import dev.healthscore.io.synthetic.SyntheticDataGenerator;
import dev.healthscore.io.synthetic.SyntheticDataSpec;
import dev.healthscore.jobs.JobLogContext;
import dev.healthscore.jobs.archive.ArchiveDryRun;
import dev.healthscore.jobs.demo.DemoArchive;
import dev.healthscore.jobs.demo.DemoReport;
import dev.healthscore.jobs.ops.OperationsCommand;
import dev.healthscore.jobs.ops.ReprocessCommand;
import dev.healthscore.jobs.scheduler.SchedulerCommand;
import dev.healthscore.schedules.RunOutcome;
import dev.healthscore.schedules.ScheduleDefinition;
import dev.healthscore.schedules.ScheduleParameters;
import dev.healthscore.schedules.ScheduleRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.batch.core.job.Job;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Carries out the parsed command line once the application has started, and keeps the
 * exit code for {@code SpringApplication.exit}.
 */
@Component
public class CommandRunner implements ApplicationRunner, ExitCodeGenerator {

	private static final Logger logger = LoggerFactory.getLogger(CommandRunner.class);

	private final ObjectProvider<Invocation> invocation;

	private final JobRunner jobRunner;

	private final DataSource dataSource;

	private final Clock clock;

	private final InProcessJobLauncher launcher;

	private final ObjectProvider<SchedulerCommand> scheduler;

	private final ObjectProvider<OperationsCommand> operations;

	private final ObjectProvider<ReprocessCommand> reprocess;

	private final DemoArchive demoArchive;

	private final ObjectProvider<ArchiveDryRun> archiveDryRun;

	private final FiringGuard firings;

	private ExitCode exitCode = ExitCode.COMPLETED;

	public CommandRunner(ObjectProvider<Invocation> invocation, JobRunner jobRunner, DataSource dataSource,
			ObjectProvider<Clock> clock, InProcessJobLauncher launcher, ObjectProvider<SchedulerCommand> scheduler,
			ObjectProvider<OperationsCommand> operations, ObjectProvider<ReprocessCommand> reprocess,
			DemoArchive demoArchive, ObjectProvider<ArchiveDryRun> archiveDryRun, FiringGuard firings) {
		this.invocation = invocation;
		this.jobRunner = jobRunner;
		this.dataSource = dataSource;
		this.clock = clock.getIfAvailable(Clock::systemUTC);
		this.launcher = launcher;
		this.scheduler = scheduler;
		this.operations = operations;
		this.reprocess = reprocess;
		this.demoArchive = demoArchive;
		this.archiveDryRun = archiveDryRun;
		this.firings = firings;
	}

	@Override
	public void run(ApplicationArguments args) throws Exception {
		Invocation command = this.invocation.getIfAvailable();
		if (command == null) {
			return;
		}
		try {
			this.exitCode = switch (command.command()) {
				case "run" -> runJob(command);
				case "generate" -> generate(command);
				case "demo" -> demo(command);
				case "scheduler" -> this.scheduler.getObject().run();
				case "status" -> this.operations.getObject().status(command);
				case "restart" -> this.operations.getObject().restart(command);
				case "stop" -> this.operations.getObject().stop(command);
				case "reprocess" -> this.reprocess.getObject().run(command);
				default -> throw new UsageException("Unknown command '%s'".formatted(command.command()));
			};
		}
		catch (UsageException ex) {
			// the command line parsed: what is refused here is the run it asks for (an
			// archived month, an execution that cannot restart), which the message says;
			// the usage text would bury it
			System.err.println(ex.getMessage());
			this.exitCode = ExitCode.USAGE;
		}
	}

	/**
	 * Runs a job or a chain. A schedule's firing (a run with {@code --scheduled-time})
	 * runs holding its {@link FiringGuard lock}: a second delivery of a firing that
	 * another process is running exits 0 with nothing started, where a refusal by the
	 * job's own lock (another firing, a manual run) exits 3. A firing's job runs once per
	 * firing, as a chain's steps do ({@link JobRunner#runForFiring}): delivered again
	 * after its run completed (EventBridge runs {@code run archive} and
	 * {@code run partitions} themselves, not a chain), it is not run again.
	 */
	private ExitCode runJob(Invocation command) throws Exception {
		Firing firing = Firing.of(command);
		if (firing == null) {
			return runJobOrChain(command, null);
		}
		try (FiringGuard.Held held = this.firings.tryAcquire(firing)) {
			return (held != null) ? runJobOrChain(command, firing) : ExitCode.COMPLETED;
		}
	}

	private ExitCode runJobOrChain(Invocation command, Firing firing) throws Exception {
		ScheduleDefinition chain = CommandLineParser.chain(command.job());
		if (chain != null) {
			Instant scheduled = command.instant(ScheduleParameters.SCHEDULED_TIME, now());
			RunOutcome outcome = new ScheduleRunner(this.launcher).run(chain, scheduled);
			logger.info("Chain {} ({}) ended {}", chain.name(), scheduled, outcome);
			return switch (outcome) {
				case COMPLETED -> ExitCode.COMPLETED;
				case ALREADY_RUNNING -> ExitCode.ALREADY_RUNNING;
				case STOPPED -> ExitCode.STOPPED;
				default -> ExitCode.FAILED;
			};
		}
		JobRunner.Outcome outcome;
		try (JobLogContext.Scope scope = JobLogContext.open(command.job())) {
			// made as the command line was parsed, before logging was set up: logged now
			command.notes().forEach(logger::info);
			if (ArchiveDryRun.requested(command.job(), command.parameters())) {
				// a preview: no guard, no job execution (status and the next firing see
				// none)
				return this.archiveDryRun.getObject().run(command.parameters());
			}
			// shards of one job run side by side (n ECS tasks): each holds the guard of
			// its shard
			Job job = this.launcher.job(command.job());
			outcome = (firing != null) ? this.jobRunner.runForFiring(job, command.parameters(), firing.time())
					: this.jobRunner.run(job, command.parameters());
		}
		if (outcome.completedBefore() != null) {
			// not the earlier execution's summary: this command ran nothing; but the
			// line is found with that execution's, which it names
			try (JobLogContext.Scope scope = JobLogContext.open(outcome.completedBefore())) {
				logger.info("{}; exit code {}", RunSummary.ofAlreadyCompleted(outcome.completedBefore(), firing.time()),
						outcome.exitCode().code());
			}
		}
		if (outcome.execution() != null) {
			RunSummary.log(logger, outcome.execution(), RunSummary.of(outcome.execution(), outcome.exitCode()),
					outcome.exitCode());
		}
		return outcome.exitCode();
	}

	private ExitCode generate(Invocation command) {
		SyntheticDataSpec spec = spec(command, 0, 0);
		requireNoUsers();
		GenerationSummary summary = new SyntheticDataGenerator(this.dataSource).generate(spec, now());
		System.out.printf(Locale.ROOT,
				"Generated %,d users and %,d readings (%,d invalid) for %s..%s in %.1f s (%,.0f readings/s)%n",
				summary.users(), summary.readings(), summary.invalidReadings(), spec.firstDay(), spec.lastDay(),
				summary.elapsed().toMillis() / 1000.0, summary.readingsPerSecond());
		return ExitCode.COMPLETED;
	}

	private ExitCode demo(Invocation command) throws Exception {
		long started = System.nanoTime();
		SyntheticDataSpec spec = spec(command, 1000, 60);
		requireAMonthToArchive(spec);
		// the settings its runs would refuse (the in-process S3 server beside a
		// configured database, say) refuse the demo before it writes anything
		this.jobRunner.checkSettings("recompute");
		this.jobRunner.checkSettings("archive");
		requireNoUsers();
		GenerationSummary generated = new SyntheticDataGenerator(this.dataSource).generate(spec, now());
		long recomputeStarted = System.nanoTime();
		JobRunner.Outcome outcome = this.jobRunner.run(this.launcher.job("recompute"),
				Map.of("from", spec.firstDay().toString(), "to", spec.lastDay().toString()));
		long recomputeNanos = System.nanoTime() - recomputeStarted;
		DemoReport report = DemoReport.query(this.dataSource, spec.firstDay(), spec.lastDay());
		System.out.println(report.format(generated, outcome, recomputeNanos, System.nanoTime() - started));
		if (outcome.exitCode() != ExitCode.COMPLETED) {
			return outcome.exitCode();
		}
		DemoArchive.Result archived = this.demoArchive.run(this.launcher.job("archive"), spec.firstDay(),
				spec.lastDay());
		System.out.println(archived.text());
		System.out.printf(Locale.ROOT, "demo total time:  %.1f s%n", (System.nanoTime() - started) / 1e9);
		return archived.exitCode();
	}

	/**
	 * Refuses a demo whose data set has no day before the current month: the demo ends by
	 * archiving the set's oldest month ({@link DemoArchive#monthToArchive}), and the
	 * archive job refuses the current month and later ones; it would refuse after the
	 * data was generated and recomputed, naming a {@code --before} no one gave.
	 */
	private void requireAMonthToArchive(SyntheticDataSpec spec) {
		YearMonth month = DemoArchive.monthToArchive(spec.firstDay(), spec.lastDay());
		YearMonth current = YearMonth.now(this.clock.withZone(ZoneOffset.UTC));
		if (!month.isBefore(current)) {
			throw new UsageException(("Cannot run the demo over %s..%s: it ends by archiving the data set's oldest"
					+ " month, %s, and only months before the current one (%s) are archived. Give more --days, or an"
					+ " earlier --end, so that the data starts before %s; nothing was started")
				.formatted(spec.firstDay(), spec.lastDay(), month, current, current));
		}
	}

	/**
	 * Refuses a database that holds users already: the generator's user ids start at 1,
	 * so its first write would fail on a duplicate key half-way through.
	 */
	private void requireNoUsers() {
		long users = new JdbcTemplate(this.dataSource).queryForObject("SELECT count(*) FROM app_user", Long.class);
		if (users > 0) {
			throw new UsageException(String.format(Locale.ROOT,
					"Cannot generate into a database that holds users already (%d in app_user): the generated ids"
							+ " start at 1; generate into an empty database",
					users));
		}
	}

	private SyntheticDataSpec spec(Invocation command, int defaultUsers, int defaultDays) {
		int users = (defaultUsers > 0) ? CommandLineParser.dataSetUsers(command, defaultUsers)
				: required(command, "users");
		int days = (defaultDays > 0) ? command.positiveInt("days", defaultDays) : required(command, "days");
		LocalDate end = command.date("end", LocalDate.now(this.clock.withZone(ZoneOffset.UTC)).minusDays(1));
		return SyntheticDataSpec.ofDays(users, days, end, command.longValue("seed", 42))
			.withThreads(CommandLineParser.dataSetThreads(command, 2));
	}

	private static int required(Invocation command, String name) {
		if (!command.has(name)) {
			throw new UsageException("Missing --%s=N for '%s'".formatted(name, command.command()));
		}
		return command.positiveInt(name, 1);
	}

	private Instant now() {
		return this.clock.instant();
	}

	@Override
	public int getExitCode() {
		return this.exitCode.code();
	}

}
