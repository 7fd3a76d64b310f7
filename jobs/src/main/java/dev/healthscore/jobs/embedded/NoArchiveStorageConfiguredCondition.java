package dev.healthscore.jobs.embedded;

import dev.healthscore.jobs.archive.ArchiveStorageConfiguredCondition;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when no S3 is configured (neither {@code healthscore.archive.bucket} nor
 * {@code healthscore.archive.endpoint}).
 */
class NoArchiveStorageConfiguredCondition implements Condition {

	@Override
	public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
		return !ArchiveStorageConfiguredCondition.configured(context.getEnvironment());
	}

}
