package dev.healthscore.io.replica;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The gate's decisions, on scripted measurements and a simulated clock. */
class ReplicaGateTests {

	private static final Instant NOW = Instant.parse("2025-03-01T02:00:00Z");

	private static final Instant PRIMARY_NOW = NOW.plusMillis(5);

	private final DataSource primary = new SimpleDriverDataSource();

	private final DataSource replica = new SimpleDriverDataSource();

	private final Deque<Supplier<ReplicaLag>> measurements = new ArrayDeque<>();

	private final List<Duration> pauses = new ArrayList<>();

	private long nanos;

	private int flushes;

	@Test
	void aCaughtUpReplicaIsReadWithInputsAsOfThePrimaryClockAtMeasurement() {
		script(caughtUp());
		ReadSource source = gate(LagPolicy.FAIL).build().readSource();
		assertThat(source).isEqualTo(new ReadSource(this.replica, false, NOW));
	}

	@Test
	void aReplicaBehindButWithinTheMaximumIsReadWithInputsAsOfItsLastReplayedCommit() {
		script(behind(Duration.ofSeconds(3), 8192));
		ReadSource source = gate(LagPolicy.FAIL).maxLagBytes(8192L).build().readSource();
		assertThat(source).isEqualTo(new ReadSource(this.replica, false, NOW.minusSeconds(3)));
	}

	@Test
	void failStopsWithTheMeasuredLagTheMaximumAndWhatToDo() {
		script(behind(Duration.ofMillis(12_500), 1_048_576));
		assertThatExceptionOfType(ReplicaLagException.class).isThrownBy(() -> gate(LagPolicy.FAIL).build().readSource())
			.withMessage("Replica is 12,500 ms (1,048,576 bytes of WAL) behind the primary, more than the maximum lag "
					+ "of 10,000 ms (lag policy fail): rerun when the replica has caught up, or allow more lag, "
					+ "or choose lag policy wait or primary")
			.satisfies((ex) -> assertThat(ex.lag().bytes()).isEqualTo(1_048_576))
			.satisfies((ex) -> assertThat(ex.policy()).isEqualTo(LagPolicy.FAIL));
	}

	@Test
	void failStopsWhenTheWalLagExceedsItsMaximumEvenIfTheTimeLagIsSmall() {
		script(behind(Duration.ofMillis(100), 20_000_000));
		assertThatExceptionOfType(ReplicaLagException.class)
			.isThrownBy(() -> gate(LagPolicy.FAIL).maxLagBytes(16_000_000L).build().readSource())
			.withMessageStartingWith("Replica is 100 ms (20,000,000 bytes of WAL) behind the primary, more than the "
					+ "maximum lag of 10,000 ms and 16,000,000 bytes of WAL (lag policy fail)");
	}

	@Test
	void anUnknownTimeLagIsNeverWithinTheMaximumBecauseInputsAsOfWouldBeUnknown() {
		script(() -> new ReplicaLag(10, null, null, false, NOW, null, false));
		assertThatExceptionOfType(ReplicaLagException.class)
			.isThrownBy(() -> gate(LagPolicy.FAIL).maxLag(null).maxLagBytes(1_000L).build().readSource())
			.withMessageStartingWith("Replica is an unknown time (10 bytes of WAL) behind the primary");
	}

	@Test
	void failStopsWhenTheReplicaIsDownAndSaysWhy() {
		script(down());
		assertThatExceptionOfType(ReplicaLagException.class).isThrownBy(() -> gate(LagPolicy.FAIL).build().readSource())
			.withMessage("Replica is unreachable (Cannot query the replica: Connection refused) (lag policy fail): "
					+ "rerun once the replica answers (check healthscore.replica.url and its credentials), or choose"
					+ " lag policy wait or primary")
			.withCauseInstanceOf(ReplicaUnavailableException.class)
			.satisfies((ex) -> assertThat(ex.lag()).isNull());
	}

	@Test
	void primaryReadsTheRangeFromThePrimaryAndSaysSo() {
		script(behind(Duration.ofMinutes(5), 4096));
		ReadSource source = gate(LagPolicy.PRIMARY).build().readSource();
		assertThat(source).isEqualTo(new ReadSource(this.primary, true, PRIMARY_NOW));
	}

	@Test
	void primaryFallsBackWhenTheReplicaIsDown() {
		script(down());
		assertThat(gate(LagPolicy.PRIMARY).build().readSource())
			.isEqualTo(new ReadSource(this.primary, true, PRIMARY_NOW));
	}

	@Test
	void waitMeasuresAgainAfterPausesThatDoubleUpToThePollIntervalUntilTheReplicaIsWithinTheMaximum() {
		script(down(), behind(Duration.ofSeconds(40), 10), behind(Duration.ofSeconds(30), 10),
				behind(Duration.ofSeconds(20), 10), behind(Duration.ofSeconds(15), 10), caughtUp());
		ReadSource source = gate(LagPolicy.WAIT).pollInterval(Duration.ofMillis(50)).build().readSource();
		assertThat(source).isEqualTo(new ReadSource(this.replica, false, NOW));
		assertThat(this.pauses).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40),
				Duration.ofMillis(50), Duration.ofMillis(50));
	}

	@Test
	void aPollIntervalShorterThanTheFirstPauseIsEveryPause() {
		script(down(), down(), caughtUp());
		gate(LagPolicy.WAIT).pollInterval(Duration.ofMillis(5)).build().readSource();
		assertThat(this.pauses).containsExactly(Duration.ofMillis(5), Duration.ofMillis(5));
	}

	@Test
	void waitGivesUpAfterItsTimeoutWithTheLastLag() {
		for (int i = 0; i < 12; i++) {
			script(behind(Duration.ofSeconds(40), 10));
		}
		assertThatExceptionOfType(ReplicaLagException.class)
			.isThrownBy(() -> gate(LagPolicy.WAIT).waitTimeout(Duration.ofMillis(2500)).build().readSource())
			.withMessage("Replica is 40,000 ms (10 bytes of WAL) behind the primary, more than the maximum lag of "
					+ "10,000 ms after waiting 2,500 ms (lag policy wait): rerun when the replica has caught up, "
					+ "or wait longer, or choose lag policy primary");
		// 10 + 20 + ... + 640 + 1,000 ms, then what is left of the timeout
		assertThat(this.pauses).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40),
				Duration.ofMillis(80), Duration.ofMillis(160), Duration.ofMillis(320), Duration.ofMillis(640),
				Duration.ofSeconds(1), Duration.ofMillis(230));
	}

	@Test
	void waitGivesUpOnAReplicaThatStaysDown() {
		for (int i = 0; i < 10; i++) {
			script(down());
		}
		assertThatExceptionOfType(ReplicaLagException.class)
			.isThrownBy(() -> gate(LagPolicy.WAIT).waitTimeout(Duration.ofSeconds(2)).build().readSource())
			.withMessage("Replica is unreachable (Cannot query the replica: Connection refused) after waiting 2,000 ms"
					+ " (lag policy wait): rerun once the replica answers (check healthscore.replica.url and its"
					+ " credentials), or wait longer, or choose lag policy primary");
	}

	@Test
	void waitDoesNotWaitForAReplicaThatRefusesTheCredentialsOrTheDatabaseName() {
		for (String state : new String[] { "28P01", "28000", "3D000" }) {
			this.pauses.clear();
			// as the replica pool reports it: its own timeout, caused by the server's
			// refusal
			script(() -> {
				throw new ReplicaUnavailableException("Cannot query the replica: refused", new SQLException(
						"replica - Connection is not available", null, new SQLException("FATAL: refused", state)));
			});
			assertThatExceptionOfType(ReplicaLagException.class)
				.isThrownBy(() -> gate(LagPolicy.WAIT).waitTimeout(Duration.ofMinutes(5)).build().readSource())
				.withMessage("Replica is unreachable (Cannot query the replica: refused) (lag policy wait, not"
						+ " waiting: this does not change by itself): correct healthscore.replica.url or its"
						+ " credentials and rerun, or choose lag policy primary");
			assertThat(this.pauses).as(state).isEmpty();
		}
	}

	@Test
	void withoutAReplicaEveryRangeIsReadFromThePrimary() {
		ReplicaGate gate = ReplicaGate.builder().primary(this.primary).primaryClock(() -> PRIMARY_NOW).build();
		assertThat(gate.readSource()).isEqualTo(new ReadSource(this.primary, true, PRIMARY_NOW));
		assertThat(gate.readSource()).isEqualTo(new ReadSource(this.primary, true, PRIMARY_NOW));
	}

	@Test
	void buildRequiresAMaximumLagWithAReplica() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ReplicaGate.builder().primary(this.primary).replica(this.replica).build())
			.withMessage("A maximum lag is required with a replica: maxLag and/or maxLagBytes");
	}

	@Test
	void aReplicaWithinTheMaximumIsReadOnlyOnceItReplayedTheRequiredPosition() {
		script(behind(Duration.ofSeconds(1), 4096, "0/3FFFFFF"), behind(Duration.ofSeconds(1), 4096, "0/4000000"));
		ReadSource source = gate(LagPolicy.WAIT).build().readSource(WalPosition.parse("0/4000000"));
		assertThat(source).isEqualTo(new ReadSource(this.replica, false, NOW.minusSeconds(1)));
		assertThat(this.pauses).containsExactly(Duration.ofMillis(10));
	}

	@Test
	void aCaughtUpReplicaHasReplayedAnyPositionTakenBeforeItWasMeasured() {
		script(caughtUp());
		ReadSource source = gate(LagPolicy.FAIL).build().readSource(WalPosition.parse("FF/0"));
		assertThat(source).isEqualTo(new ReadSource(this.replica, false, NOW));
	}

	@Test
	void failStopsWhenTheRequiredPositionIsNotReplayedYetSayingWhereReplayIs() {
		script(behind(Duration.ofSeconds(1), 4096, "1/A0"));
		assertThatExceptionOfType(ReplicaLagException.class)
			.isThrownBy(() -> gate(LagPolicy.FAIL).build().readSource(WalPosition.parse("1/B0")))
			.withMessageStartingWith("Replica is 1,000 ms (4,096 bytes of WAL) behind the primary and has replayed "
					+ "its WAL up to 1/A0, not yet up to 1/B0 (lag policy fail)");
	}

	@Test
	void primaryPolicyReadsThePrimaryWhileTheRequiredPositionIsNotReplayed() {
		script(behind(Duration.ofSeconds(1), 4096, "1/A0"));
		ReadSource source = gate(LagPolicy.PRIMARY).build().readSource(WalPosition.parse("1/B0"));
		assertThat(source).isEqualTo(new ReadSource(this.primary, true, PRIMARY_NOW));
	}

	@Test
	void waitMakesThePrimaryFlushOnceWhenTheReplicaHasAllItFlushedButNotTheRequiredPosition() {
		script(awaitingFlush("0/3FFFF00"), awaitingFlush("0/3FFFF00"), awaitingFlush("0/3FFFF00"),
				behind(Duration.ofSeconds(1), 4096, "0/4000100"));
		ReadSource source = gate(LagPolicy.WAIT).build().readSource(WalPosition.parse("0/4000000"));
		assertThat(source).isEqualTo(new ReadSource(this.replica, false, NOW.minusSeconds(1)));
		assertThat(this.flushes).isOne();
		assertThat(this.pauses).hasSize(3);
	}

	@Test
	void waitDoesNotMakeThePrimaryFlushForAReplicaThatHasNotReceivedAllItFlushed() {
		script(behind(Duration.ofSeconds(1), 4096, "0/3000000"), behind(Duration.ofSeconds(1), 4096, "0/4000000"));
		gate(LagPolicy.WAIT).build().readSource(WalPosition.parse("0/4000000"));
		assertThat(this.flushes).isZero();
	}

	@Test
	void failMakesThePrimaryFlushOnceAndReadsTheReplicaThatReplayedItWithinTheGrace() {
		script(awaitingFlush("0/3FFFF00"), awaitingFlush("0/3FFFF00"),
				behind(Duration.ofSeconds(1), 4096, "0/4000100"));
		ReadSource source = gate(LagPolicy.FAIL).build().readSource(WalPosition.parse("0/4000000"));
		assertThat(source).isEqualTo(new ReadSource(this.replica, false, NOW.minusSeconds(1)));
		assertThat(this.flushes).isOne();
		assertThat(this.pauses).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20));
	}

	@Test
	void failAndPrimaryJudgeTheLagOnceTheFlushHadTheGraceToArrive() {
		// observed at 0 (flushed), 10, 30, 70, 150, 310, 630 and 1270 ms: judged at the
		// last
		for (int i = 0; i < 8; i++) {
			script(awaitingFlush("1/A0"));
		}
		assertThatExceptionOfType(ReplicaLagException.class)
			.isThrownBy(() -> gate(LagPolicy.FAIL).build().readSource(WalPosition.parse("1/B0")))
			.withMessageContaining("(lag policy fail)");
		assertThat(this.measurements).isEmpty();
		assertThat(this.flushes).isOne();
		assertThat(this.pauses.stream().reduce(Duration.ZERO, Duration::plus)).isEqualTo(Duration.ofMillis(1270));
		for (int i = 0; i < 8; i++) {
			script(awaitingFlush("1/A0"));
		}
		assertThat(gate(LagPolicy.PRIMARY).build().readSource(WalPosition.parse("1/B0")).fromPrimary()).isTrue();
		assertThat(this.measurements).isEmpty();
		assertThat(this.flushes).isEqualTo(2);
	}

	@Test
	void failAndPrimaryJudgeALagThatAwaitsNoFlushAtOnce() {
		script(behind(Duration.ofMinutes(5), 4096, "1/A0"), behind(Duration.ofMinutes(5), 4096, "1/A0"));
		assertThatExceptionOfType(ReplicaLagException.class)
			.isThrownBy(() -> gate(LagPolicy.FAIL).build().readSource(WalPosition.parse("1/B0")));
		assertThat(gate(LagPolicy.PRIMARY).build().readSource(WalPosition.parse("1/B0")).fromPrimary()).isTrue();
		assertThat(this.flushes).isZero();
		assertThat(this.pauses).isEmpty();
	}

	@Test
	void withoutAReplicaThereIsNoPositionToWaitFor() {
		ReplicaGate gate = ReplicaGate.builder().primary(this.primary).primaryClock(() -> PRIMARY_NOW).build();
		assertThat(gate.primaryPosition()).isNull();
		assertThat(gate.readSource(null)).isEqualTo(new ReadSource(this.primary, true, PRIMARY_NOW));
	}

	@Test
	void walPositionsParseCompareAndPrintAsPostgreSqlDoes() {
		assertThat(WalPosition.parse("16/B374D848").value()).isEqualTo(0x16_B374_D848L);
		assertThat(WalPosition.parse("16/B374D848")).hasToString("16/B374D848");
		assertThat(WalPosition.parse("FFFFFFFF/0").isAtLeast(WalPosition.parse("1/FFFFFFFF"))).isTrue();
		assertThat(WalPosition.parse("0/10").isAtLeast(WalPosition.parse("0/11"))).isFalse();
		assertThatIllegalArgumentException().isThrownBy(() -> WalPosition.parse("16B374D848"))
			.withMessage("Not a WAL position: 16B374D848");
		assertThatIllegalArgumentException().isThrownBy(() -> WalPosition.parse("1/G"))
			.withMessage("Not a WAL position: 1/G");
	}

	@Test
	void buildChecksItsSettingsWithTheValues() {
		assertThatIllegalArgumentException().isThrownBy(() -> ReplicaGate.builder().build())
			.withMessage("A primary dataSource is required");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> gate(LagPolicy.WAIT).maxLag(Duration.ofSeconds(-1)).build())
			.withMessage("maxLag must not be negative, was -1s");
		assertThatIllegalArgumentException().isThrownBy(() -> gate(LagPolicy.WAIT).maxLagBytes(-1L).build())
			.withMessage("maxLagBytes must not be negative, was -1");
		assertThatIllegalArgumentException().isThrownBy(() -> gate(LagPolicy.WAIT).pollInterval(Duration.ZERO).build())
			.withMessage("pollInterval must be positive, was 0s");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> gate(LagPolicy.WAIT).waitTimeout(Duration.ofMillis(-5)).build())
			.withMessage("waitTimeout must not be negative, was -5ms");
	}

	private ReplicaGate.Builder gate(LagPolicy policy) {
		return ReplicaGate.builder()
			.primary(this.primary)
			.replica(this.replica)
			.policy(policy)
			.maxLag(Duration.ofSeconds(10))
			.lagSource(() -> this.measurements.remove().get())
			.primaryClock(() -> PRIMARY_NOW)
			.primaryFlush(() -> this.flushes++)
			.pause((duration) -> {
				this.pauses.add(duration);
				this.nanos += duration.toNanos();
			})
			.nanoTime(() -> this.nanos);
	}

	@SafeVarargs
	private void script(Supplier<ReplicaLag>... lags) {
		this.measurements.addAll(List.of(lags));
	}

	private static Supplier<ReplicaLag> caughtUp() {
		return () -> new ReplicaLag(0, NOW.minusSeconds(3600), Duration.ZERO, true, NOW, null, false);
	}

	private static Supplier<ReplicaLag> behind(Duration lag, long bytes) {
		return behind(lag, bytes, null);
	}

	private static Supplier<ReplicaLag> behind(Duration lag, long bytes, String replayed) {
		WalPosition position = (replayed != null) ? WalPosition.parse(replayed) : null;
		return () -> new ReplicaLag(bytes, NOW.minus(lag), lag, false, NOW, position, false);
	}

	/**
	 * Behind, having replayed up to {@code replayed}, with all the primary had flushed:
	 * the rest awaits the primary's flush.
	 */
	private static Supplier<ReplicaLag> awaitingFlush(String replayed) {
		return () -> new ReplicaLag(256, NOW.minusSeconds(1), Duration.ofSeconds(1), false, NOW,
				WalPosition.parse(replayed), true);
	}

	private static Supplier<ReplicaLag> down() {
		return () -> {
			throw new ReplicaUnavailableException("Cannot query the replica: Connection refused",
					new SQLException("Connection refused", "08001"));
		};
	}

}
