package dev.healthscore.io.replica;

/** The replica could not be queried: down, restarting, or refusing connections. */
public class ReplicaUnavailableException extends RuntimeException {

	/** Creates the exception with what failed and why. */
	public ReplicaUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
