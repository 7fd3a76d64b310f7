package dev.healthscore.io.archive;

/**
 * Thrown when an archive cannot be read back from S3 for a reason that says nothing of
 * its content: the network failed, or S3 answered with a server error, throttling or a
 * refusal, after the SDK's own retries. Unlike a missing object, an object of another
 * size, unreadable Parquet or another checksum, it is neither a mismatch (the month must
 * not be exported again on its account) nor a match (nothing may be detached or dropped):
 * the run fails, and the next run compares again from the same state.
 */
public final class ArchiveStorageUnavailableException extends RuntimeException {

	/**
	 * Creates an exception.
	 * @param message what could not be read, and what to do
	 * @param cause the SDK's exception
	 */
	public ArchiveStorageUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
