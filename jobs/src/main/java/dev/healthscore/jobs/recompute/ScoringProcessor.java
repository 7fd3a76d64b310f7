package dev.healthscore.jobs.recompute;

import dev.healthscore.io.reading.ScoringWork;
import dev.healthscore.io.score.ScoredUser;
import dev.healthscore.scoring.ScoringAlgorithm;

import org.springframework.batch.infrastructure.item.ItemProcessor;

/** Scores one user's inputs with the configured algorithm version. */
class ScoringProcessor implements ItemProcessor<ScoringWork, ScoredUser> {

	private final ScoringAlgorithm algorithm;

	ScoringProcessor(ScoringAlgorithm algorithm) {
		this.algorithm = algorithm;
	}

	@Override
	public ScoredUser process(ScoringWork work) {
		return new ScoredUser(this.algorithm.score(work.inputs()), work.inputsAsOf());
	}

}
