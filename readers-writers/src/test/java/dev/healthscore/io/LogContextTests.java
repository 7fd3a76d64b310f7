package dev.healthscore.io;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LogContext}: a task on another thread logs with the context of the
 * thread that created it, and leaves its thread as it found it.
 */
class LogContextTests {

	private final ExecutorService pool = Executors.newSingleThreadExecutor();

	@AfterEach
	void close() throws InterruptedException {
		MDC.clear();
		this.pool.shutdown();
		assertThat(this.pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void aTaskRunsWithTheContextItsCreatorHadWhenItWasWrapped() throws Exception {
		MDC.put("job.execution.id", "12");
		MDC.put("step.name", "recomputeScoresWorker:partition0");
		AtomicReference<String> seen = new AtomicReference<>();
		Runnable carried = LogContext.carry(() -> seen.set(MDC.get("job.execution.id")));
		CompletableFuture<Map<String, String>> supplied = CompletableFuture
			.supplyAsync(LogContext.carrySupplier(MDC::getCopyOfContextMap), this.pool);
		MDC.put("job.execution.id", "13");
		assertThat(supplied.get()).containsEntry("job.execution.id", "12")
			.containsEntry("step.name", "recomputeScoresWorker:partition0");
		assertThat(this.pool.submit(LogContext.carryCallable(() -> MDC.get("job.execution.id"))).get()).isEqualTo("13");
		Thread thread = new Thread(carried);
		thread.start();
		thread.join();
		assertThat(seen).hasValue("12");
	}

	@Test
	void aPooledThreadCarriesNothingIntoItsNextTask() throws Exception {
		MDC.put("job.execution.id", "12");
		this.pool.submit(LogContext.carry(() -> MDC.put("step.name", "archivePartitions"))).get();
		MDC.clear();
		assertThat(this.pool.submit(MDC::getCopyOfContextMap).get()).isNullOrEmpty();
		assertThat(this.pool.submit(LogContext.carryCallable(MDC::getCopyOfContextMap)).get()).isNullOrEmpty();
	}

	@Test
	void aThreadGetsBackTheContextItHadBeforeTheTask() {
		MDC.put("job.execution.id", "12");
		Runnable carried = LogContext.carry(() -> assertThat(MDC.get("job.execution.id")).isEqualTo("12"));
		MDC.put("job.execution.id", "7");
		MDC.put("step.name", "reconcileScores");
		carried.run();
		assertThat(MDC.getCopyOfContextMap())
			.containsExactlyInAnyOrderEntriesOf(Map.of("job.execution.id", "7", "step.name", "reconcileScores"));
	}

}
