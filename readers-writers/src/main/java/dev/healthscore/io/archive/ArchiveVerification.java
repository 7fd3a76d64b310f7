package dev.healthscore.io.archive;

import java.util.List;
import java.util.Map;

/**
 * The outcome of comparing an archive with PostgreSQL: both sides' row count and
 * checksum, and every problem found.
 *
 * @param expected what the side of reference holds (the source partition, or the
 * manifest)
 * @param actual what the checked side holds (the objects read back, or the restored
 * table)
 * @param problems what does not match, empty when all does
 * @param files the content of each data file read back, by object key (empty when no
 * object was read)
 */
public record ArchiveVerification(ContentChecksum expected, ContentChecksum actual, List<String> problems,
		Map<String, ContentChecksum> files) {

	public ArchiveVerification {
		problems = List.copyOf(problems);
		files = Map.copyOf(files);
		if (problems.isEmpty() && !expected.equals(actual)) {
			problems = List.of("Content differs: expected " + expected + " but got " + actual);
		}
	}

	/**
	 * Creates the outcome of a comparison that read no object.
	 * @param expected what the side of reference holds
	 * @param actual what the checked side holds
	 * @param problems what does not match
	 */
	public ArchiveVerification(ContentChecksum expected, ContentChecksum actual, List<String> problems) {
		this(expected, actual, problems, Map.of());
	}

	/**
	 * Returns whether both sides hold the same rows.
	 * @return true when nothing differs
	 */
	public boolean matches() {
		return this.problems.isEmpty();
	}

}
