package dev.healthscore.jobs.metrics;

import dev.healthscore.jobs.metrics.CloudWatchRegion.CloudWatchRegionException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports CloudWatch metrics enabled without a region on one line, naming what to set,
 * without the SDK's stack trace and list of region providers.
 */
class CloudWatchRegionFailureAnalyzer extends AbstractFailureAnalyzer<CloudWatchRegionException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, CloudWatchRegionException cause) {
		return new FailureAnalysis(cause.getMessage(), null, cause);
	}

}
