package dev.healthscore.jobs.archive;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when S3 is configured ({@code healthscore.archive.bucket} or
 * {@code healthscore.archive.endpoint} set); otherwise the embedded default serves it.
 */
public class ArchiveStorageConfiguredCondition implements Condition {

	@Override
	public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
		return configured(context.getEnvironment());
	}

	/**
	 * Returns whether S3 is configured in an environment.
	 * @param environment the environment
	 * @return true when a bucket or an endpoint is set
	 */
	public static boolean configured(Environment environment) {
		return StringUtils.hasText(environment.getProperty("healthscore.archive.bucket"))
				|| StringUtils.hasText(environment.getProperty("healthscore.archive.endpoint"));
	}

}
