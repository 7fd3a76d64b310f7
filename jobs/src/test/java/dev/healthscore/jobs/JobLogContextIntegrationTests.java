package dev.healthscore.jobs;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.healthscore.io.reading.UserReadingsItemReader;
import dev.healthscore.jobs.archive.ArchiveJobConfiguration;
import dev.healthscore.jobs.cli.ExitCode;
import dev.healthscore.jobs.cli.InProcessJobLauncher;
import dev.healthscore.jobs.cli.JobRunGuard;
import dev.healthscore.jobs.cli.JobRunner;
import dev.healthscore.jobs.cli.UsageException;
import dev.healthscore.jobs.recompute.RecomputeJobConfiguration;
import dev.healthscore.schedules.JobLaunch;
import dev.healthscore.schedules.JobNames;
import dev.healthscore.schedules.JobStep;
import dev.healthscore.schedules.RunOutcome;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.logging.LoggingSystemProperty;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.ResourcePropertySource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Every line a job logs, on its own thread or on one of our worker threads, carries its
 * job execution and step ({@link JobLogContext}): in the text lines the execution id, in
 * the JSON lines of the structured format every key as a field. A line logged after the
 * job on the thread that ran it carries none.
 */
@ExtendWith(OutputCaptureExtension.class)
class JobLogContextIntegrationTests {

	private static final LocalDate LAST = LocalDate.parse("2025-03-10");

	private static final Map<String, String> RANGE = Map.of("from", LAST.minusDays(2).toString(), "to",
			LAST.toString());

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** The logger of Spring Batch's {@code launched} and {@code completed} lines. */
	private static final String LAUNCHER = "org.springframework.batch.core.launch.support.TaskExecutorJobLauncher";

	private static final org.slf4j.Logger logger = LoggerFactory.getLogger(JobLogContextIntegrationTests.class);

	private static TemporaryPostgres postgres;

	@BeforeAll
	static void generate() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		assertThat(HealthScoreApplication.run("generate", "--users=40", "--days=4", "--seed=3", "--end=" + LAST,
				"--spring.datasource.url=" + url(), "--spring.datasource.username=postgres"))
			.isZero();
	}

	/**
	 * Gives the later test classes of this JVM the text format back, whichever test ran
	 * last.
	 */
	@AfterAll
	static void stop() throws IOException {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new ResourcePropertySource("classpath:application.properties"));
		LoggingSystem system = LoggingSystem.get(JobLogContextIntegrationTests.class.getClassLoader());
		system.cleanUp();
		system.beforeInitialize();
		system.initialize(new LoggingInitializationContext(environment), null, null);
		postgres.close();
	}

	@Test
	void everyLineOfARunCarriesItsExecutionAndStepAndNothingAfterIt(CapturedOutput output) {
		Events events = new Events();
		JobExecution execution;
		try (ConfigurableApplicationContext context = start()) {
			events.start();
			execution = runRecompute(context);
			logger.info("after the run");
		}
		finally {
			events.stop();
		}
		String id = String.valueOf(execution.getId());
		Map<String, String> job = Map.of(JobLogContext.JOB_NAME, RecomputeJobConfiguration.JOB_NAME,
				JobLogContext.JOB_EXECUTION_ID, id, JobLogContext.JOB_INSTANCE_ID,
				String.valueOf(execution.getJobInstanceId()));
		Event checkpoint = events.single("dev.healthscore.jobs.recompute.CheckpointTasklet", "scored every user");
		assertThat(checkpoint.thread()).isEqualTo(Thread.currentThread().getName());
		assertThat(checkpoint.context()).containsAllEntriesOf(job)
			.containsEntry(JobLogContext.STEP_NAME, "recomputeCheckpoint")
			.containsKey(JobLogContext.STEP_EXECUTION_ID);
		// a block read ahead on the reader's own thread, while its partition's step
		// scores the one before
		List<Event> readAhead = events.of(UserReadingsItemReader.class.getName(), "users after user")
			.stream()
			.filter((event) -> event.thread().endsWith("-read-ahead"))
			.toList();
		assertThat(readAhead).isNotEmpty().allSatisfy((event) -> {
			assertThat(event.context()).containsAllEntriesOf(job);
			assertThat(event.context().get(JobLogContext.STEP_NAME)).startsWith("recomputeScoresWorker:partition");
		});
		// and every line of the partitions' threads, Spring Batch's too
		assertThat(events.onThreads("recompute-")).isNotEmpty()
			.allSatisfy((event) -> assertThat(event.context()).containsAllEntriesOf(job));
		Event after = events.single(JobLogContextIntegrationTests.class.getName(), "after the run");
		assertThat(after.thread()).isEqualTo(checkpoint.thread());
		assertThat(after.context()).doesNotContainKeys(JobLogContext.KEYS.toArray(String[]::new));
		assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
		// the text lines show the execution id, only while the job runs
		assertThat(output)
			.containsPattern("INFO \\[" + id + "\\] \\[ *main\\] .* : Job execution " + id + " scored every user")
			.containsPattern("INFO \\[ *main\\] .* : after the run");
	}

	@Test
	void theStructuredFormatWritesTheKeysAsJsonFields(CapturedOutput output) {
		JobExecution execution;
		int before = output.getOut().length();
		try (ConfigurableApplicationContext context = start("--logging.structured.format.console=ecs")) {
			execution = runRecompute(context);
			logger.info("after the run");
		}
		finally {
			// Spring Boot passes the format to Logback as a system property, which the
			// next application of this JVM would inherit
			System.clearProperty(LoggingSystemProperty.CONSOLE_STRUCTURED_FORMAT.getEnvironmentVariableName());
		}
		List<JsonNode> lines = output.getOut()
			.substring(before)
			.lines()
			.filter((line) -> line.startsWith("{"))
			.map(JSON::readTree)
			.toList();
		String id = String.valueOf(execution.getId());
		JsonNode checkpoint = lines.stream()
			.filter((line) -> line.path("message").asString().contains("scored every user"))
			.findFirst()
			.orElseThrow();
		assertThat(checkpoint.path("job").path("name").asString()).isEqualTo(RecomputeJobConfiguration.JOB_NAME);
		assertThat(checkpoint.path("job").path("execution").path("id").asString()).isEqualTo(id);
		assertThat(checkpoint.path("job").path("instance").path("id").asString())
			.isEqualTo(String.valueOf(execution.getJobInstanceId()));
		assertThat(checkpoint.path("step").path("name").asString()).isEqualTo("recomputeCheckpoint");
		assertThat(checkpoint.path("step").path("execution").path("id").asString()).isNotEmpty();
		JsonNode readAhead = lines.stream()
			.filter((line) -> line.path("process").path("thread").path("name").asString().endsWith("-read-ahead"))
			.findFirst()
			.orElseThrow();
		assertThat(readAhead.path("job").path("execution").path("id").asString()).isEqualTo(id);
		assertThat(readAhead.path("step").path("name").asString()).startsWith("recomputeScoresWorker:partition");
		JsonNode after = lines.stream()
			.filter((line) -> line.path("message").asString().equals("after the run"))
			.findFirst()
			.orElseThrow();
		assertThat(after.has("job")).isFalse();
		assertThat(after.has("step")).isFalse();
	}

	/** The line {@code run} logs after the job ended is one of the run's lines too. */
	@Test
	void theSummaryOfARunCarriesItsExecution(CapturedOutput output) {
		int before = output.getOut().length();
		assertThat(HealthScoreApplication.run("run", RecomputeJobConfiguration.JOB_NAME, "--from=" + RANGE.get("from"),
				"--to=" + RANGE.get("to"), "--users=1,2", "--spring.datasource.url=" + url(),
				"--spring.datasource.username=postgres"))
			.isZero();
		String summary = output.getOut()
			.substring(before)
			.lines()
			.filter((line) -> line.contains("ended COMPLETED"))
			.findFirst()
			.orElseThrow();
		Matcher id = Pattern.compile("recompute execution (\\d+) ended").matcher(summary);
		assertThat(id.find()).as(summary).isTrue();
		assertThat(summary).containsPattern("INFO \\[" + id.group(1) + "\\] \\[ *main\\] ");
	}

	/**
	 * Spring Batch's {@code launched} and {@code completed} lines around a run or a
	 * restart, failed or completed, carry its execution, and the lines before a run its
	 * job (a restart's: the restarted execution); afterwards the thread has exactly the
	 * context it had before, a value of the caller's included.
	 */
	@Test
	void theLinesAroundARunCarryItsExecutionAndTheThreadGetsItsOwnBack(CapturedOutput output) throws Exception {
		Map<String, String> parameters = Map.of("from", RANGE.get("from"), "to", RANGE.get("to"), "users", "3,4");
		// an archive's storage, so that what refuses the archive below is its cut-off (it
		// sends S3 nothing)
		try (ConfigurableApplicationContext context = start("--healthscore.archive.bucket=archive",
				"--healthscore.archive.region=us-east-1")) {
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
			JobRunner runner = context.getBean(JobRunner.class);
			InProcessJobLauncher launcher = context.getBean(InProcessJobLauncher.class);
			Job job = launcher.job(RecomputeJobConfiguration.JOB_NAME);
			MDC.put("caller", "kept");
			MDC.put(JobLogContext.JOB_NAME, "the caller's");
			Map<String, String> before = MDC.getCopyOfContextMap();
			JobExecution failedAgain;
			jdbc.execute("""
					CREATE FUNCTION fail_scores() RETURNS trigger LANGUAGE plpgsql AS $$
					BEGIN
						RAISE EXCEPTION 'injected failure for user %', NEW.user_id;
					END $$""");
			jdbc.execute("CREATE TRIGGER fail_scores BEFORE INSERT ON health_score FOR EACH ROW"
					+ " EXECUTE FUNCTION fail_scores()");
			try {
				JobExecution failed = launched(output, () -> runner.run(job, parameters), BatchStatus.FAILED, before);
				refused(runner, context.getBean(JobRunGuard.class), job, parameters, failed, before);
				failedAgain = launched(output, () -> runner.restart(failed), BatchStatus.FAILED, before);
			}
			finally {
				jdbc.execute("DROP TRIGGER fail_scores ON health_score");
				jdbc.execute("DROP FUNCTION fail_scores()");
			}
			launched(output, () -> runner.restart(failedAgain), BatchStatus.COMPLETED, before);
			launched(output, () -> runner.run(job, parameters), BatchStatus.COMPLETED, before);
			// a schedule's run refused by a precondition: an archive of the months the
			// nightly jobs still read
			Events events = new Events();
			events.start();
			YearMonth month = YearMonth.now(ZoneOffset.UTC);
			try {
				assertThatExceptionOfType(UsageException.class).isThrownBy(() -> launcher.launch(new JobLaunch("test",
						JobStep.of(ArchiveJobConfiguration.JOB_NAME, "before", month.toString()), Instant.now())));
			}
			finally {
				events.stop();
			}
			assertThat(events.single(InProcessJobLauncher.class.getName(), "archive refused: Cannot archive").context())
				.containsEntry(JobLogContext.JOB_NAME, ArchiveJobConfiguration.JOB_NAME)
				.doesNotContainKey(JobLogContext.JOB_EXECUTION_ID);
			assertThat(MDC.getCopyOfContextMap()).isEqualTo(before);
		}
		finally {
			MDC.clear();
		}
	}

	/**
	 * What {@code run} logs about a run's parameters before it starts carries its job:
	 * here reconcile's note that it lowers {@code --to} to the last day that has ended.
	 */
	@Test
	void aNoteOnARunsParametersCarriesItsJob(CapturedOutput output) {
		LocalDate today = LocalDate.now(ZoneOffset.UTC);
		int before = output.getOut().length();
		try {
			assertThat(HealthScoreApplication.run("run", JobNames.RECONCILE, "--from=" + today.minusDays(4),
					"--to=" + today, "--logging.structured.format.console=ecs", "--spring.datasource.url=" + url(),
					"--spring.datasource.username=postgres"))
				.isZero();
		}
		finally {
			System.clearProperty(LoggingSystemProperty.CONSOLE_STRUCTURED_FORMAT.getEnvironmentVariableName());
		}
		JsonNode note = output.getOut()
			.substring(before)
			.lines()
			.filter((line) -> line.startsWith("{"))
			.map(JSON::readTree)
			.filter((line) -> line.path("message").asString().startsWith("Reconciling "))
			.findFirst()
			.orElseThrow();
		assertThat(note.path("job").path("name").asString()).isEqualTo(JobNames.RECONCILE);
		assertThat(note.path("job").has("execution")).isFalse();
	}

	/**
	 * A firing delivered again after its step completed runs nothing, and its line says
	 * which execution completed it; that line carried only the job's name: it carries the
	 * keys of that execution, as the execution's own lines do, in the scheduler (an
	 * in-process launch) and in {@code run}.
	 */
	@Test
	void aFiringAlreadyCompletedIsLoggedWithTheExecutionThatCompletedIt(CapturedOutput output) throws Exception {
		Instant firing = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(2, ChronoUnit.HOURS);
		try (ConfigurableApplicationContext context = start()) {
			InProcessJobLauncher launcher = context.getBean(InProcessJobLauncher.class);
			JobLaunch launch = new JobLaunch("test", JobStep.of(JobNames.PARTITIONS, "months-ahead", "1"), firing);
			assertThat(launcher.launch(launch)).isEqualTo(RunOutcome.COMPLETED);
			JobRepository repository = context.getBean(JobRepository.class);
			JobExecution completed = repository.getLastJobExecution(repository.getLastJobInstance(JobNames.PARTITIONS));
			MDC.put("caller", "kept");
			Map<String, String> before = MDC.getCopyOfContextMap();
			Events events = new Events();
			events.start();
			try {
				assertThat(launcher.launch(launch)).isEqualTo(RunOutcome.COMPLETED);
			}
			finally {
				events.stop();
			}
			assertThat(events.single(InProcessJobLauncher.class.getName(), "already completed this firing").context())
				.containsEntry(JobLogContext.JOB_NAME, JobNames.PARTITIONS)
				.containsEntry(JobLogContext.JOB_EXECUTION_ID, String.valueOf(completed.getId()))
				.containsEntry(JobLogContext.JOB_INSTANCE_ID, String.valueOf(completed.getJobInstanceId()));
			assertThat(MDC.getCopyOfContextMap()).isEqualTo(before);
		}
		finally {
			MDC.clear();
		}
		// the same, delivered twice to run
		String[] command = { "run", JobNames.PARTITIONS, "--months-ahead=1",
				"--scheduled-time=" + firing.plus(1, ChronoUnit.HOURS), "--logging.structured.format.console=ecs",
				"--spring.datasource.url=" + url(), "--spring.datasource.username=postgres" };
		int before = output.getOut().length();
		try {
			assertThat(HealthScoreApplication.run(command)).isZero();
			assertThat(HealthScoreApplication.run(command)).isZero();
		}
		finally {
			System.clearProperty(LoggingSystemProperty.CONSOLE_STRUCTURED_FORMAT.getEnvironmentVariableName());
		}
		List<JsonNode> lines = output.getOut()
			.substring(before)
			.lines()
			.filter((line) -> line.startsWith("{"))
			.map(JSON::readTree)
			.toList();
		JsonNode summary = lines.stream()
			.filter((line) -> line.path("message").asString().contains(" ended COMPLETED"))
			.findFirst()
			.orElseThrow();
		JsonNode again = lines.stream()
			.filter((line) -> line.path("message").asString().contains("already completed this firing"))
			.findFirst()
			.orElseThrow();
		assertThat(again.path("message").asString())
			.startsWith("partitions execution " + summary.path("job").path("execution").path("id").asString() + " ");
		assertThat(again.path("job")).isEqualTo(summary.path("job"));
	}

	/**
	 * Runs a launch, checks the launcher's lines around it carry its execution and the
	 * thread has its context back, and returns the execution.
	 */
	private static JobExecution launched(CapturedOutput output, Callable<JobRunner.Outcome> launch, BatchStatus status,
			Map<String, String> before) throws Exception {
		Events events = new Events();
		events.start();
		JobExecution execution;
		try {
			execution = launch.call().execution();
		}
		finally {
			events.stop();
		}
		assertThat(execution.getStatus()).isEqualTo(status);
		assertThat(MDC.getCopyOfContextMap()).isEqualTo(before);
		String id = String.valueOf(execution.getId());
		Map<String, String> keys = Map.of(JobLogContext.JOB_NAME, RecomputeJobConfiguration.JOB_NAME,
				JobLogContext.JOB_EXECUTION_ID, id, JobLogContext.JOB_INSTANCE_ID,
				String.valueOf(execution.getJobInstanceId()));
		assertThat(events.single(LAUNCHER, "launched with the following parameters").context())
			.containsAllEntriesOf(keys)
			.doesNotContainKeys(JobLogContext.STEP_NAME, JobLogContext.STEP_EXECUTION_ID);
		Event completed = events.single(LAUNCHER, "completed with the following parameters");
		assertThat(completed.message()).contains("the following status: [" + status + "]");
		assertThat(completed.context()).containsAllEntriesOf(keys)
			.doesNotContainKeys(JobLogContext.STEP_NAME, JobLogContext.STEP_EXECUTION_ID);
		assertThat(output).containsPattern("INFO \\[" + id + "\\] \\[ *main\\] .* : Job: \\[SimpleJob: \\[name="
				+ RecomputeJobConfiguration.JOB_NAME + "\\]\\] completed with .* status: \\[" + status + "\\]");
		return execution;
	}

	/**
	 * A run and a restart refused while another run holds the job's guard: the refusal
	 * carries the job, the restart's the execution it was asked to restart.
	 */
	private static void refused(JobRunner runner, JobRunGuard guard, Job job, Map<String, String> parameters,
			JobExecution failed, Map<String, String> before) throws Exception {
		Events events = new Events();
		events.start();
		try (JobRunGuard.Held held = guard.tryAcquire(RecomputeJobConfiguration.JOB_NAME, JobRunGuard.ALL)) {
			assertThat(held).isNotNull();
			assertThat(runner.run(job, parameters).exitCode()).isEqualTo(ExitCode.ALREADY_RUNNING);
			assertThat(runner.restart(failed).exitCode()).isEqualTo(ExitCode.ALREADY_RUNNING);
		}
		finally {
			events.stop();
		}
		assertThat(MDC.getCopyOfContextMap()).isEqualTo(before);
		List<Event> refusals = events.of(JobRunner.class.getName(), "Cannot run recompute");
		assertThat(refusals).hasSize(2);
		assertThat(refusals.get(0).context()).containsEntry(JobLogContext.JOB_NAME, RecomputeJobConfiguration.JOB_NAME)
			.doesNotContainKey(JobLogContext.JOB_EXECUTION_ID);
		assertThat(refusals.get(1).context()).containsEntry(JobLogContext.JOB_NAME, RecomputeJobConfiguration.JOB_NAME)
			.containsEntry(JobLogContext.JOB_EXECUTION_ID, String.valueOf(failed.getId()))
			.containsEntry(JobLogContext.JOB_INSTANCE_ID, String.valueOf(failed.getJobInstanceId()));
	}

	private static ConfigurableApplicationContext start(String... more) {
		List<String> arguments = new ArrayList<>(
				List.of("--spring.datasource.url=" + url(), "--spring.datasource.username=postgres",
						"--healthscore.recompute.chunk-size=4", "--healthscore.recompute.threads=2",
						"--logging.level." + UserReadingsItemReader.class.getName() + "=DEBUG"));
		arguments.addAll(List.of(more));
		return new SpringApplicationBuilder(HealthScoreApplication.class).run(arguments.toArray(String[]::new));
	}

	private static JobExecution runRecompute(ConfigurableApplicationContext context) {
		try {
			JobExecution execution = context.getBean(JobRunner.class)
				.run(context.getBean(InProcessJobLauncher.class).job(RecomputeJobConfiguration.JOB_NAME), RANGE)
				.execution();
			assertThat(execution.getStatus()).isEqualTo(BatchStatus.COMPLETED);
			return execution;
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String url() {
		return postgres.getJdbcUrl("postgres", "postgres");
	}

	/** A logged line: its logger, thread, message and logging context when logged. */
	record Event(String logger, String thread, String message, Map<String, String> context) {

	}

	/** Records every line logged while started, with its context as it was then. */
	static final class Events extends AppenderBase<ILoggingEvent> {

		private final List<Event> events = Collections.synchronizedList(new ArrayList<>());

		@Override
		public void start() {
			setContext(root().getLoggerContext());
			super.start();
			root().addAppender(this);
		}

		@Override
		public void stop() {
			root().detachAppender(this);
			super.stop();
		}

		@Override
		protected void append(ILoggingEvent event) {
			this.events.add(new Event(event.getLoggerName(), event.getThreadName(), event.getFormattedMessage(),
					new HashMap<>(event.getMDCPropertyMap())));
		}

		List<Event> of(String logger, String text) {
			synchronized (this.events) {
				return this.events.stream()
					.filter((event) -> event.logger().equals(logger) && event.message().contains(text))
					.toList();
			}
		}

		List<Event> onThreads(String prefix) {
			synchronized (this.events) {
				return this.events.stream().filter((event) -> event.thread().startsWith(prefix)).toList();
			}
		}

		Event single(String logger, String text) {
			List<Event> found = of(logger, text);
			assertThat(found).as("lines of %s with '%s'", logger, text).hasSize(1);
			return found.get(0);
		}

		private static Logger root() {
			return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
		}

	}

}
