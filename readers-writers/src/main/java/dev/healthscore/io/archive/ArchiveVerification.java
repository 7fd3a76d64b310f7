package dev.healthscore.io.archive;

import java.util.List;

/**
 * The outcome of comparing an archive with PostgreSQL: both sides' row count and
 * checksum, and every problem found.
 *
 * @param expected what the side of reference holds (the source partition, or the
 * manifest)
 * @param actual what the checked side holds (the objects read back, or the restored
 * table)
 * @param problems what does not match, empty when all does
 */
public record ArchiveVerification(ContentChecksum expected, ContentChecksum actual, List<String> problems) {

	public ArchiveVerification {
		problems = List.copyOf(problems);
		if (problems.isEmpty() && !expected.equals(actual)) {
			problems = List.of("Content differs: expected " + expected + " but got " + actual);
		}
	}

	/**
	 * Returns whether both sides hold the same rows.
	 * @return true when nothing differs
	 */
	public boolean matches() {
		return this.problems.isEmpty();
	}

}
