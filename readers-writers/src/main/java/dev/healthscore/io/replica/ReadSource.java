package dev.healthscore.io.replica;

import java.time.Instant;

import javax.sql.DataSource;

/**
 * Where to read one range from, as a {@link ReplicaGate} decided, and how complete what
 * it holds is.
 *
 * @param dataSource the replica, or the primary when the lag policy fell back to it or no
 * replica is configured
 * @param fromPrimary whether {@code dataSource} is the primary; a job records it
 * @param inputsAsOf everything committed on the primary before this instant (primary's
 * clock) is visible through {@code dataSource}: the {@code inputs_as_of} of what is
 * computed from the range
 */
public record ReadSource(DataSource dataSource, boolean fromPrimary, Instant inputsAsOf) {

}
