package dev.healthscore.io.replica;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Which failed reads are attempted again, and how often. */
class ReplicaReadsTests {

	private final AtomicInteger attempts = new AtomicInteger();

	@Test
	void aReadWhoseConnectionWasLostIsAttemptedOnceMore() throws SQLException {
		String read = ReplicaReads.read("test read", () -> {
			if (this.attempts.incrementAndGet() == 1) {
				throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
			}
			return "read";
		});
		assertThat(read).isEqualTo("read");
		assertThat(this.attempts).hasValue(2);
	}

	@Test
	void aSecondLostConnectionFailsTheReadWithTheFirstSuppressed() {
		assertThatExceptionOfType(SQLException.class).isThrownBy(() -> ReplicaReads.read("test read", () -> {
			throw new SQLException(
					"terminating connection due to administrator command " + this.attempts.incrementAndGet(), "57P01");
		}))
			.withMessageEndingWith("command 2")
			.satisfies((ex) -> assertThat(ex.getSuppressed()).singleElement()
				.satisfies((first) -> assertThat(first).hasMessageEndingWith("command 1")));
	}

	@Test
	void anyOtherFailureIsNotAttemptedAgain() {
		assertThatExceptionOfType(SQLException.class).isThrownBy(() -> ReplicaReads.read("test read", () -> {
			this.attempts.incrementAndGet();
			throw new SQLException("relation \"health_reading\" does not exist", "42P01");
		})).withMessageContaining("does not exist");
		assertThat(this.attempts).hasValue(1);
	}

}
