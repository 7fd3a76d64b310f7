package dev.healthscore.jobs;

import dev.healthscore.jobs.UnknownSettings.UnknownSettingsException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports unknown {@code healthscore.*} settings as Spring Boot reports a property it
 * cannot bind: what is wrong and what to do, without a stack trace.
 */
class UnknownSettingsFailureAnalyzer extends AbstractFailureAnalyzer<UnknownSettingsException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UnknownSettingsException cause) {
		StringBuilder description = new StringBuilder("Settings that nothing in the application reads:\n");
		cause.settings().forEach((setting) -> description.append("\n    ").append(setting));
		return new FailureAnalysis(description.toString(),
				"Correct the name or remove the setting: as it is, it would be ignored and the default used."
						+ " The settings are listed in the README (\"Pointing it at a real database\" and \"Archive\").",
				cause);
	}

}
