/**
 * Reading from a PostgreSQL physical streaming replica as replicas really behave: a
 * {@link dev.healthscore.io.replica.ReplicaLagProbe} measures the lag by WAL position and
 * replayed commit time, a {@link dev.healthscore.io.replica.ReplicaGate} applies the
 * {@link dev.healthscore.io.replica.LagPolicy} (wait, fail, or read from the primary) to
 * it before a range is read and says up to when the inputs are complete, and
 * {@link dev.healthscore.io.replica.RecoveryConflicts} retries the queries replay
 * cancels.
 */
package dev.healthscore.io.replica;
