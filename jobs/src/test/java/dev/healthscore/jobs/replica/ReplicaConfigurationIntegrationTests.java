package dev.healthscore.jobs.replica;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import dev.healthscore.io.replica.LagPolicy;
import dev.healthscore.io.replica.ReadSource;
import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.io.replica.ReplicaLagException;
import dev.healthscore.jobs.HealthScoreApplication;
import dev.healthscore.jobs.embedded.EmbeddedPostgresCluster;
import dev.healthscore.io.embedded.TemporaryPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

/**
 * The application's two connections: the embedded default's primary and replica, a
 * configured replica beside Boot's primary, no replica, and a replica that is down.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReplicaConfigurationIntegrationTests {

	private static EmbeddedPostgresCluster cluster;

	@BeforeAll
	static void startCluster() throws IOException {
		cluster = EmbeddedPostgresCluster.start();
	}

	@AfterAll
	static void closeCluster() {
		cluster.close();
	}

	@Test
	void theEmbeddedDefaultReadsFromItsOwnStreamingReplica() {
		try (ConfigurableApplicationContext context = run()) {
			DataSource primary = context.getBean(DataSource.class);
			DataSource replica = context.getBean(ReplicaConfiguration.REPLICA_DATA_SOURCE, DataSource.class);
			assertThat(inRecovery(primary)).isFalse();
			assertThat(inRecovery(replica)).isTrue();
			assertThat(((HikariDataSource) replica).getPoolName()).isEqualTo("replica");
			ReadSource source = context.getBean(ReplicaGate.class).readSource();
			assertThat(source.dataSource()).isSameAs(replica);
			assertThat(source.fromPrimary()).isFalse();
		}
	}

	@Test
	void aConfiguredReplicaGetsASmallReadOnlyPoolBesideBootsPrimary() {
		try (ConfigurableApplicationContext context = run(external(),
				"--healthscore.replica.url=" + cluster.replicaJdbcUrl(), "--healthscore.replica.maximum-pool-size=2",
				"--healthscore.replica.lag-policy=fail", "--healthscore.replica.max-lag=2s",
				"--healthscore.replica.max-lag-bytes=16MB")) {
			HikariDataSource primary = (HikariDataSource) context.getBean(DataSource.class);
			HikariDataSource replica = context.getBean(ReplicaConfiguration.REPLICA_DATA_SOURCE,
					HikariDataSource.class);
			assertThat(primary.getPoolName()).isEqualTo("primary");
			assertThat(primary.getJdbcUrl()).isEqualTo(cluster.primaryJdbcUrl());
			assertThat(replica.getJdbcUrl()).isEqualTo(cluster.replicaJdbcUrl());
			assertThat(replica.getUsername()).isEqualTo(EmbeddedPostgresCluster.USERNAME);
			assertThat(replica.getMaximumPoolSize()).isEqualTo(2);
			assertThat(replica.isReadOnly()).isTrue();
			assertThat(context.getBean(ReplicaProperties.class)).satisfies((properties) -> {
				assertThat(properties.lagPolicy()).isEqualTo(LagPolicy.FAIL);
				assertThat(properties.maxLag()).isEqualTo(Duration.ofSeconds(2));
				assertThat(properties.maxLagBytes()).isEqualTo(DataSize.ofMegabytes(16));
			});
			cluster.awaitCaughtUp(Duration.ofSeconds(30));
			// again if the primary wrote WAL of its own (a checkpoint, autovacuum) since
			await().atMost(Duration.ofSeconds(10))
				.ignoreExceptions()
				.untilAsserted(() -> assertThat(context.getBean(ReplicaGate.class).readSource().dataSource())
					.isSameAs(replica));
		}
	}

	@Test
	void theVariablesOfTheEcsTaskDefinitionConfigureThePrimaryAndTheReplica() {
		// the names infra's ContainerEnvironment gives the task (as environment variables
		// there; any property source resolves them)
		try (ConfigurableApplicationContext context = run(
				"--HEALTHSCORE_DATASOURCE_PRIMARY_URL=" + cluster.primaryJdbcUrl(),
				"--HEALTHSCORE_DATASOURCE_USERNAME=" + EmbeddedPostgresCluster.USERNAME,
				"--HEALTHSCORE_DATASOURCE_REPLICA_URL=" + cluster.replicaJdbcUrl())) {
			assertThat(((HikariDataSource) context.getBean(DataSource.class)).getJdbcUrl())
				.isEqualTo(cluster.primaryJdbcUrl());
			assertThat(context.containsBean(ReplicaConfiguration.REPLICA_DATA_SOURCE)).isTrue();
			HikariDataSource replica = context.getBean(ReplicaConfiguration.REPLICA_DATA_SOURCE,
					HikariDataSource.class);
			assertThat(replica.getJdbcUrl()).isEqualTo(cluster.replicaJdbcUrl());
			assertThat(replica.getUsername()).isEqualTo(EmbeddedPostgresCluster.USERNAME);
		}
	}

	@Test
	void withoutAReplicaEveryRangeIsReadFromThePrimaryAndTheLogSaysSoOnce(CapturedOutput output) {
		try (ConfigurableApplicationContext context = run(external())) {
			assertThat(context.containsBean(ReplicaConfiguration.REPLICA_DATA_SOURCE)).isFalse();
			ReplicaGate gate = context.getBean(ReplicaGate.class);
			DataSource primary = context.getBean(DataSource.class);
			assertThat(gate.readSource()).satisfies((source) -> {
				assertThat(source.dataSource()).isSameAs(primary);
				assertThat(source.fromPrimary()).isTrue();
			});
			assertThat(gate.readSource().fromPrimary()).isTrue();
			assertThat(output.getOut().split("No replica configured: reading from the primary", -1)).hasSize(2);
		}
	}

	@Test
	void aReplicaThatIsDownDoesNotStopTheApplicationAndItsLagPolicyDecides() throws IOException {
		String down = String.format(Locale.ROOT, "jdbc:postgresql://localhost:%d/postgres", freePort());
		try (ConfigurableApplicationContext context = run(external(), "--healthscore.replica.url=" + down,
				"--healthscore.replica.connection-timeout=300ms", "--healthscore.replica.lag-policy=primary")) {
			ReadSource source = context.getBean(ReplicaGate.class).readSource();
			assertThat(source.fromPrimary()).isTrue();
			assertThat(source.dataSource()).isSameAs(context.getBean(DataSource.class));
		}
	}

	@Test
	void waitDoesNotWaitForAReplicaWhoseDatabaseDoesNotExist() {
		// a real replica refusing the connection with 3D000: no wait mends a wrong name
		String wrong = cluster.replicaJdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/no_such_db$1");
		assertThat(wrong).isNotEqualTo(cluster.replicaJdbcUrl());
		// the pool gives up on the refused connection after its connection timeout: 1 s
		// here, not to wait out the default 5 s
		try (ConfigurableApplicationContext context = run(external(), "--healthscore.replica.url=" + wrong,
				"--healthscore.replica.connection-timeout=1s", "--healthscore.replica.lag-policy=wait",
				"--healthscore.replica.wait-timeout=5m")) {
			long started = System.nanoTime();
			assertThatExceptionOfType(ReplicaLagException.class)
				.isThrownBy(() -> context.getBean(ReplicaGate.class).readSource())
				.withMessageContaining("database \"no_such_db\" does not exist")
				.withMessageContaining("(lag policy wait, not waiting: this does not change by itself)");
			// the pool's connection timeout (1 s) at most, not the 5 minutes of the
			// policy
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
		}
	}

	@Test
	void primaryReadsThePrimaryForAReplicaThatRefusesItsDatabaseAndTheWarningSaysWhatMendsIt(CapturedOutput output) {
		String wrong = cluster.replicaJdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/no_such_db$1");
		// 1 s: the pool's connection timeout, which the refused connection waits out
		try (ConfigurableApplicationContext context = run(external(), "--healthscore.replica.url=" + wrong,
				"--healthscore.replica.connection-timeout=1s", "--healthscore.replica.lag-policy=primary")) {
			assertThat(context.getBean(ReplicaGate.class).readSource().fromPrimary()).isTrue();
		}
		assertThat(output).containsPattern("WARN .*database \"no_such_db\" does not exist.*: reading this range from"
				+ " the primary \\(lag policy primary\\); this does not change by itself: correct"
				+ " healthscore.replica.url or its credentials, or unset it to read from the primary without a"
				+ " replica");
	}

	@Test
	void aReplicaUrlThatIsNotAPostgresJdbcUrlIsRefusedByTheJobsThatReadTheReplicaBeforeAnythingStarts(
			CapturedOutput output) {
		JdbcTemplate primary = new JdbcTemplate(cluster.primaryDataSource());
		String url = "--healthscore.replica.url=postgres://replica.internal:5432/app?password=secret";
		// a command that does not read the replica does not look at it
		List<String> status = new ArrayList<>(List.of("status"));
		status.addAll(List.of(external()));
		status.add(url);
		assertThat(HealthScoreApplication.run(status.toArray(String[]::new))).isZero();
		for (String[] command : List.of(new String[] { "run", "recompute", "--from=2025-01-01", "--to=2025-01-02" },
				new String[] { "run", "reconcile", "--from=2025-01-01", "--to=2025-01-02" })) {
			List<String> args = new ArrayList<>(List.of(command));
			args.addAll(List.of(external()));
			// the policy that reads the primary when the replica cannot be read does not
			// cover it: the pool would fail every range with a driver error
			args.addAll(List.of(url, "--healthscore.replica.lag-policy=primary"));
			long executions = executions(primary);
			assertThat(HealthScoreApplication.run(args.toArray(String[]::new))).as(args.toString()).isEqualTo(2);
			assertThat(output).contains("Cannot run " + command[1] + ": invalid healthscore.replica.url"
					+ " (HEALTHSCORE_DATASOURCE_REPLICA_URL), not a PostgreSQL JDBC URL:"
					+ " postgres://replica.internal:5432/app?password=***. Give jdbc:postgresql://<host>:<port>/<database>,"
					+ " or leave it unset to read from the primary; nothing was started");
			assertThat(executions(primary)).as("nothing started").isEqualTo(executions);
		}
		// nor does the scheduler start, whose nightly schedule would be refused at 02:00
		List<String> scheduler = new ArrayList<>(List.of("scheduler", "--healthscore.scheduler.health-port=0",
				"--healthscore.archive.bucket=archive", "--healthscore.archive.region=us-east-1", url));
		scheduler.addAll(List.of(external()));
		assertThat(assertTimeoutPreemptively(Duration.ofMinutes(1),
				() -> HealthScoreApplication.run(scheduler.toArray(String[]::new))))
			.isEqualTo(2);
		assertThat(output).contains("Cannot start the scheduler: schedule nightly would be refused at each firing:"
				+ " Cannot run recompute: invalid healthscore.replica.url");
		assertThat(output).doesNotContain("secret");
	}

	@Test
	void aReplicaUrlNamingAServerThatIsNotAStandbyOfThePrimaryIsRefusedBeforeAnythingStarts(CapturedOutput output)
			throws IOException {
		JdbcTemplate primary = new JdbcTemplate(cluster.primaryDataSource());
		// another database: a staging server, another cluster's primary
		try (TemporaryPostgres other = TemporaryPostgres.start(EmbeddedPostgres.builder())) {
			String url = "--healthscore.replica.url="
					+ String.format(Locale.ROOT, "jdbc:postgresql://localhost:%d/postgres", other.getPort());
			// a command that does not read the replica does not look at it (and migrates
			// the primary, whose executions are counted below)
			List<String> status = new ArrayList<>(List.of("status", url));
			status.addAll(List.of(external()));
			assertThat(HealthScoreApplication.run(status.toArray(String[]::new))).isZero();
			// the policy that reads the primary when the replica cannot be read does not
			// cover it: the job would read the other server as a caught-up replica
			List<String> args = new ArrayList<>(List.of("run", "recompute", "--from=2025-01-01", "--to=2025-01-02",
					"--healthscore.replica.lag-policy=primary", url));
			args.addAll(List.of(external()));
			long executions = executions(primary);
			assertThat(HealthScoreApplication.run(args.toArray(String[]::new))).isEqualTo(2);
			assertThat(output).containsPattern("Cannot run recompute: healthscore.replica.url names a server of"
					+ " another cluster: its system identifier is [0-9]+, the primary's [0-9]+ \\(another database,"
					+ " not a copy of the primary's\\) \\(HEALTHSCORE_DATASOURCE_REPLICA_URL="
					+ "jdbc:postgresql://localhost:[0-9]+/postgres\\)\\. Its data is not the primary's: give"
					+ " healthscore.replica.url a standby of the primary, or leave it unset to read from the primary;"
					+ " nothing was started");
			assertThat(executions(primary)).as("nothing started").isEqualTo(executions);
		}
	}

	@Test
	void aReplicaUrlNamingThePrimaryRunsTheJobOnItWithOneWarning(CapturedOutput output) {
		// the primary is caught up by definition: the start's check lets it through, and
		// it and the gate's measurements warn once between them
		List<String> args = new ArrayList<>(List.of("run", "recompute", "--from=2025-01-01", "--to=2025-01-03",
				"--healthscore.replica.lag-policy=fail", "--healthscore.replica.url=" + cluster.primaryJdbcUrl()));
		args.addAll(List.of(external()));
		assertThat(HealthScoreApplication.run(args.toArray(String[]::new))).isZero();
		assertThat(output.getOut().split("WARN .*healthscore.replica.url names the primary itself", -1)).hasSize(2);
	}

	private static long executions(JdbcTemplate primary) {
		return primary.queryForObject("SELECT count(*) FROM batch_job_execution", Long.class);
	}

	@Test
	void theReplicaPoolRefusesWritesEvenOnAWritableServer() {
		HikariDataSource pool = ReplicaConfiguration.replicaPool(cluster.primaryJdbcUrl(),
				EmbeddedPostgresCluster.USERNAME, null,
				new ReplicaProperties(null, null, null, 1, Duration.ofSeconds(5), LagPolicy.WAIT,
						Duration.ofSeconds(30), null, Duration.ofMinutes(1), Duration.ofSeconds(1)));
		try (pool) {
			assertThatExceptionOfType(DataAccessException.class)
				.isThrownBy(() -> new JdbcTemplate(pool).execute("CREATE TABLE written (id int)"))
				.withMessageContaining("cannot execute CREATE TABLE in a read-only transaction");
		}
	}

	private static String[] external() {
		return new String[] { "--spring.datasource.url=" + cluster.primaryJdbcUrl(),
				"--spring.datasource.username=" + EmbeddedPostgresCluster.USERNAME };
	}

	private static ConfigurableApplicationContext run(String[] base, String... more) {
		String[] args = new String[base.length + more.length];
		System.arraycopy(base, 0, args, 0, base.length);
		System.arraycopy(more, 0, args, base.length, more.length);
		return run(args);
	}

	private static ConfigurableApplicationContext run(String... args) {
		return new SpringApplicationBuilder(HealthScoreApplication.class).run(args);
	}

	private static boolean inRecovery(DataSource dataSource) {
		return new JdbcTemplate(dataSource).queryForObject("SELECT pg_is_in_recovery()", Boolean.class);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
