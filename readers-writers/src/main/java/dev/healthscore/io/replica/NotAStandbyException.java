package dev.healthscore.io.replica;

/**
 * The server the replica's connection reaches is not a standby of the primary: a server
 * of another cluster (another system identifier: another database, a staging server), or
 * one of the primary's cluster that is not in recovery and is not the primary (a standby
 * promoted after a failover, a copy restored from a backup), which the primary's writes
 * no longer reach, or a standby on another timeline than the primary's (after a failover,
 * one still replaying the old primary, or following another promoted server). Its data is
 * not the primary's: reading it would score from the wrong inputs. Unlike a replica that
 * is down, it does not mend by itself: its URL, or the standby's upstream, must be
 * corrected.
 */
public class NotAStandbyException extends ReplicaUnavailableException {

	/** Creates the exception with what the server is, and what to correct. */
	public NotAStandbyException(String message) {
		super(message, null);
	}

}
