package dev.healthscore.jobs.replica;

import java.util.Map;

import dev.healthscore.io.replica.ReplicaGate;
import dev.healthscore.jobs.SettingsBinding;
import dev.healthscore.jobs.cli.UsageException;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What {@link ReplicaUrlPrecondition} prints of a replica URL it refuses: never the
 * password, whichever way the URL carries it.
 */
class ReplicaUrlPreconditionTests {

	@Test
	void aRefusedUrlIsPrintedWithoutThePasswordItCarries() {
		assertThat(ReplicaUrlPrecondition.masked("postgres://app:s3cret@replica.internal:5432/app"))
			.isEqualTo("postgres://app:***@replica.internal:5432/app");
		assertThat(ReplicaUrlPrecondition.masked("postgresql://app:s3cret@replica/app?password=other&ssl=true"))
			.isEqualTo("postgresql://app:***@replica/app?password=***&ssl=true");
		assertThat(ReplicaUrlPrecondition.masked("jdbc:postgresql://replica:x/app?user=app&password=s3cret"))
			.isEqualTo("jdbc:postgresql://replica:x/app?user=app&password=***");
		// a user without a password, and a host and port, are left as they are
		assertThat(ReplicaUrlPrecondition.masked("postgres://app@replica:5432/app"))
			.isEqualTo("postgres://app@replica:5432/app");
		ReplicaProperties properties = SettingsBinding.bind("healthscore.replica", ReplicaProperties.class,
				Map.of("healthscore.replica.url", "postgres://app:s3cret@replica.internal:5432/app"));
		assertThatExceptionOfType(UsageException.class)
			.isThrownBy(() -> new ReplicaUrlPrecondition(properties, neverQueried()).check("recompute", Map.of()))
			.withMessageContaining("postgres://app:***@replica.internal:5432/app")
			.withMessageNotContaining("s3cret");
	}

	/** A gate for a URL refused before any server is asked. */
	private static ReplicaGate neverQueried() {
		return ReplicaGate.builder().primary(new PGSimpleDataSource()).build();
	}

}
