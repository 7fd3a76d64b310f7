package dev.healthscore.jobs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several processes launch runs at once on one job repository: the shards of a sharded
 * recompute, each an ECS task started at the same minute, or the scheduler's jobs beside
 * a run started by hand. Each creates its job instance, execution and step executions in
 * transactions of its own; none of them may fail because another process was creating its
 * own records at the same time.
 * <p>
 * With Spring Batch's default isolation for these transactions (SERIALIZABLE),
 * PostgreSQL's serializable snapshot isolation cancels some of them ("could not serialize
 * access due to read/write dependencies among transactions"): three shard processes
 * started together failed now and then, the job FAILED before its first step. Runs of the
 * same job and scope are kept apart by the {@code JobRunGuard}, not by this isolation.
 */
class JobRepositoryConcurrencyIntegrationTests {

	private static final int THREADS = 4;

	private static final int RUNS_PER_THREAD = 25;

	private static TemporaryPostgres postgres;

	private static ConfigurableApplicationContext context;

	@BeforeAll
	static void start() throws IOException {
		postgres = TemporaryPostgres.start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"));
		context = new SpringApplicationBuilder(HealthScoreApplication.class).run(
				"--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
				"--spring.datasource.username=postgres");
	}

	@AfterAll
	static void stop() throws IOException {
		if (context != null) {
			context.close();
		}
		postgres.close();
	}

	@Test
	void runsOfDifferentInstancesCreatedAtOnceAllGetTheirRecords() throws Exception {
		JobRepository repository = context.getBean(JobRepository.class);
		ExecutorService threads = Executors.newFixedThreadPool(THREADS);
		CountDownLatch go = new CountDownLatch(1);
		try {
			List<Future<?>> launches = new ArrayList<>();
			for (int thread = 0; thread < THREADS; thread++) {
				int shard = thread;
				launches.add(threads.submit(() -> {
					go.await();
					for (int run = 0; run < RUNS_PER_THREAD; run++) {
						// what a launch creates before its first step, and its steps
						JobParameters parameters = new JobParametersBuilder().addString("shard", shard + "/" + THREADS)
							.addLong("run.id", (long) run)
							.toJobParameters();
						JobInstance instance = repository.createJobInstance("recompute", parameters);
						JobExecution execution = repository.createJobExecution(instance, parameters,
								new ExecutionContext());
						repository.createStepExecution("recomputePartitions", execution);
						repository.createStepExecution("recomputeScores", execution);
					}
					return null;
				}));
			}
			go.countDown();
			for (Future<?> launch : launches) {
				launch.get(120, TimeUnit.SECONDS); // throws what a launch failed with
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(repository.getJobInstances("recompute", 0, THREADS * RUNS_PER_THREAD + 1))
			.hasSize(THREADS * RUNS_PER_THREAD);
	}

}
