package dev.healthscore.jobs;

import java.time.Duration;

import dev.healthscore.jobs.embedded.EmbeddedPostgresCluster;

import static org.awaitility.Awaitility.await;

/** Makes a test's replica apply the primary's commits late, and undoes it. */
public final class ReplicaDelays {

	private ReplicaDelays() {
	}

	/**
	 * Sets the replica's apply delay; retried, since the test's own query on the replica
	 * can lose a recovery conflict too.
	 */
	public static void apply(EmbeddedPostgresCluster cluster, Duration delay) {
		await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
			cluster.setApplyDelay(delay);
			return true;
		});
	}

	/** Removes the delay and waits until the replica has replayed everything. */
	public static void remove(EmbeddedPostgresCluster cluster) {
		apply(cluster, Duration.ZERO);
		cluster.awaitCaughtUp(Duration.ofSeconds(30));
	}

}
