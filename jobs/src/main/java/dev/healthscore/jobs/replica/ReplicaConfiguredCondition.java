package dev.healthscore.jobs.replica;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when a replica is configured: {@code healthscore.replica.url} set and not empty
 * (it is empty when the task definition's variable is unset).
 */
class ReplicaConfiguredCondition implements Condition {

	@Override
	public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
		return StringUtils.hasText(context.getEnvironment().getProperty("healthscore.replica.url"));
	}

}
