package dev.healthscore.io.replica;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import org.springframework.dao.CannotAcquireLockException;
import org.springframework.jdbc.UncategorizedSQLException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Recognising recovery conflicts among SQL failures, and retrying the work they cancel.
 */
class RecoveryConflictsTests {

	private final List<Duration> pauses = new ArrayList<>();

	@Test
	void aStatementCancelledByASnapshotConflictIsRecognised() {
		assertThat(RecoveryConflicts
			.isRecoveryConflict(server("ERROR", "40001", "canceling statement due to conflict with recovery")))
			.isTrue();
	}

	@Test
	void aBufferPinDeadlockWithRecoveryIsRecognised() {
		assertThat(RecoveryConflicts
			.isRecoveryConflict(server("ERROR", "40P01", "canceling statement due to conflict with recovery")))
			.isTrue();
	}

	@Test
	void aSessionTerminatedByAConflictIsRecognised() {
		assertThat(RecoveryConflicts
			.isRecoveryConflict(server("FATAL", "40001", "terminating connection due to conflict with recovery")))
			.isTrue();
	}

	@Test
	void aTranslatedMessageIsRecognisedByWherePostgresRaisedIt() {
		PSQLException translated = new PSQLException(new ServerErrorMessage(
				"SERROR\0VERROR\0C40001\0Mannulation de la requête à cause d'un conflit avec la restauration\0RProcessInterrupts\0"));
		assertThat(RecoveryConflicts.isRecoveryConflict(translated)).isTrue();
	}

	@Test
	void aTranslatedMessageIsRecognisedWherePostgres17RaisesIt() {
		PSQLException translated = new PSQLException(new ServerErrorMessage(
				"SERROR\0VERROR\0C40001\0Mannulation de la requête à cause d'un conflit avec la restauration\0RProcessRecoveryConflictInterrupt\0"));
		assertThat(RecoveryConflicts.isRecoveryConflict(translated)).isTrue();
	}

	@Test
	void aConflictIsRecognisedThroughWrappers() {
		SQLException conflict = server("ERROR", "40001", "canceling statement due to conflict with recovery");
		IOException copyFailed = new IOException("Copying from database failed", conflict);
		assertThat(RecoveryConflicts.isRecoveryConflict(new SQLException("Cannot read readings", copyFailed))).isTrue();
		assertThat(RecoveryConflicts.isRecoveryConflict(new CannotAcquireLockException("select", conflict))).isTrue();
	}

	@Test
	void otherFailuresAreNotConflicts() {
		assertThat(RecoveryConflicts.isRecoveryConflict(new PSQLException(new ServerErrorMessage(
				"SERROR\0C40001\0Mcould not serialize access due to read/write dependencies among transactions\0"
						+ "ROnConflict_CheckForSerializationFailure\0"))))
			.isFalse();
		assertThat(RecoveryConflicts
			.isRecoveryConflict(server("ERROR", "57014", "canceling statement due to user request"))).isFalse();
		assertThat(RecoveryConflicts.isRecoveryConflict(new SQLException("Connection refused", "08001"))).isFalse();
		assertThat(RecoveryConflicts.isRecoveryConflict(null)).isFalse();
	}

	@Test
	void retryRunsTheWorkAgainAfterADoublingBackoff() throws SQLException {
		AtomicInteger attempts = new AtomicInteger();
		String result = retry(() -> {
			if (attempts.incrementAndGet() < 3) {
				throw server("ERROR", "40001", "canceling statement due to conflict with recovery");
			}
			return "read";
		});
		assertThat(result).isEqualTo("read");
		assertThat(this.pauses).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400));
	}

	@Test
	void retryGivesUpAfterItsAttemptsWithTheLastConflict() {
		AtomicInteger attempts = new AtomicInteger();
		assertThatExceptionOfType(SQLException.class).isThrownBy(() -> retry(() -> {
			throw server("ERROR", "40001",
					"canceling statement due to conflict with recovery " + attempts.incrementAndGet());
		})).withMessageContaining("conflict with recovery 4");
		assertThat(this.pauses).hasSize(3);
	}

	@Test
	void retryDoesNotRepeatOtherFailures() {
		AtomicInteger attempts = new AtomicInteger();
		assertThatExceptionOfType(SQLException.class).isThrownBy(() -> retry(() -> {
			attempts.incrementAndGet();
			throw new SQLException("relation \"app_user\" does not exist", "42P01");
		})).withMessage("relation \"app_user\" does not exist");
		assertThat(attempts).hasValue(1);
		assertThat(this.pauses).isEmpty();
	}

	@Test
	void aConflictInsideAnExceptionOfSpringsJdbcTemplatesIsRetriedToo() {
		AtomicInteger attempts = new AtomicInteger();
		String result = RecoveryConflicts.retry("test query", 4, Duration.ofMillis(200), this.pauses::add, () -> {
			if (attempts.incrementAndGet() < 2) {
				throw new UncategorizedSQLException("query", "SELECT 1",
						server("ERROR", "40001", "canceling statement due to conflict with recovery"));
			}
			return "read";
		});
		assertThat(result).isEqualTo("read");
		assertThat(this.pauses).containsExactly(Duration.ofMillis(200));
	}

	private <T> T retry(RecoveryConflicts.Work<T, SQLException> work) throws SQLException {
		return RecoveryConflicts.retry("test block", 4, Duration.ofMillis(200), this.pauses::add, work);
	}

	private static PSQLException server(String severity, String state, String message) {
		return new PSQLException(new ServerErrorMessage(
				"S%s\0V%s\0C%s\0M%s\0RProcessInterrupts\0".formatted(severity, severity, state, message)));
	}

}
