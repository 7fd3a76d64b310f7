package dev.healthscore.jobs.reconcile;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.healthscore.io.reconcile.ReconcileWork;
import dev.healthscore.io.score.InputFingerprint;
import dev.healthscore.io.score.InputFingerprints;
import dev.healthscore.io.score.InputHashes;
import dev.healthscore.io.score.ReconciledUser;
import dev.healthscore.io.score.ScoredUser;
import dev.healthscore.scoring.DailyScore;
import dev.healthscore.scoring.Reading;
import dev.healthscore.scoring.Rejection;
import dev.healthscore.scoring.ScoreInputs;
import dev.healthscore.scoring.ScoringAlgorithm;
import dev.healthscore.scoring.UserScores;

import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Scores a user's suspect days again with the configured algorithm, the same path as
 * {@code recompute}, one run of consecutive days at a time, and fingerprints their
 * inputs. Thread-safe: the reader's threads score as they read.
 */
class ReconcileProcessor implements ItemProcessor<ReconcileWork, ReconciledUser> {

	private final ScoringAlgorithm algorithm;

	private final ThreadLocal<InputHashes> hashes = ThreadLocal.withInitial(InputHashes::new);

	ReconcileProcessor(ScoringAlgorithm algorithm) {
		this.algorithm = algorithm;
	}

	@Override
	public ReconciledUser process(ReconcileWork work) {
		List<DailyScore> scores = new ArrayList<>();
		// runs share lookback readings: a rejected one is quarantined once
		Map<Reading, Rejection> rejections = new LinkedHashMap<>();
		Map<LocalDate, InputFingerprint> fingerprints = new HashMap<>();
		InputHashes hashes = this.hashes.get();
		for (ScoreInputs inputs : work.inputs()) {
			UserScores result = this.algorithm.score(inputs);
			scores.addAll(result.scores());
			result.rejections().forEach((rejection) -> rejections.putIfAbsent(rejection.reading(), rejection));
			fingerprints.putAll(InputFingerprints.of(this.algorithm, inputs, result, hashes));
		}
		UserScores all = new UserScores(work.userId(), scores, List.copyOf(rejections.values()));
		return new ReconciledUser(new ScoredUser(all, work.inputsAsOf(), fingerprints), work.suspects());
	}

}
