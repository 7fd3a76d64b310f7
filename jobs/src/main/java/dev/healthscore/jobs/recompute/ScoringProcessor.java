package dev.healthscore.jobs.recompute;

import dev.healthscore.io.reading.ScoringWork;
import dev.healthscore.io.score.InputFingerprints;
import dev.healthscore.io.score.InputHashes;
import dev.healthscore.io.score.ScoredUser;
import dev.healthscore.scoring.ScoringAlgorithm;
import dev.healthscore.scoring.UserScores;

import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Scores one user's inputs with the configured algorithm version, and fingerprints the
 * inputs of each score so that reconcile can tell when they change.
 */
class ScoringProcessor implements ItemProcessor<ScoringWork, ScoredUser> {

	private final ScoringAlgorithm algorithm;

	private final InputHashes hashes = new InputHashes();

	ScoringProcessor(ScoringAlgorithm algorithm) {
		this.algorithm = algorithm;
	}

	@Override
	public ScoredUser process(ScoringWork work) {
		UserScores result = this.algorithm.score(work.inputs());
		return new ScoredUser(result, work.inputsAsOf(),
				InputFingerprints.of(this.algorithm, work.inputs(), result, this.hashes));
	}

}
