package dev.healthscore.jobs;

import dev.healthscore.jobs.MalformedDatabaseUrl.MalformedDatabaseUrlException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a database URL the PostgreSQL driver does not take: which setting, from which
 * source, and the form expected, without a stack trace.
 */
class MalformedDatabaseUrlFailureAnalyzer extends AbstractFailureAnalyzer<MalformedDatabaseUrlException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, MalformedDatabaseUrlException cause) {
		StringBuilder description = new StringBuilder("The database URL is not a PostgreSQL JDBC URL:\n");
		cause.settings().forEach((setting) -> description.append("\n    ").append(setting));
		return new FailureAnalysis(description.toString(),
				"Give jdbc:postgresql://<host>:<port>/<database> (a libpq URI such as postgres://<user>@<host>/<database>"
						+ " is not one: the user and password go in spring.datasource.username and .password),"
						+ " then run the same command again: nothing has started.",
				cause);
	}

}
