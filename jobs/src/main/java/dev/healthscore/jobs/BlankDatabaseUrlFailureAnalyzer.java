package dev.healthscore.jobs;

import dev.healthscore.jobs.BlankDatabaseUrl.BlankDatabaseUrlException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a database URL given empty: which setting, from which source, and the two ways
 * out, without a stack trace.
 */
class BlankDatabaseUrlFailureAnalyzer extends AbstractFailureAnalyzer<BlankDatabaseUrlException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, BlankDatabaseUrlException cause) {
		StringBuilder description = new StringBuilder("The database URL is set, but empty:\n");
		cause.settings().forEach((setting) -> description.append("\n    ").append(setting));
		description.append("\n\nAn empty URL would have meant no database: the command would have run on a new,"
				+ " empty embedded PostgreSQL, deleted at exit, and reported success.");
		return new FailureAnalysis(description.toString(),
				"Set it to your database's JDBC URL (jdbc:postgresql://<host>:5432/<database>), or unset it"
						+ " to run on an embedded database on purpose.",
				cause);
	}

}
