package dev.healthscore.jobs.cli;

/**
 * A command line that cannot be run, with a message saying what is wrong and what is
 * expected.
 */
public class UsageException extends RuntimeException {

	public UsageException(String message) {
		super(message);
	}

}
