package dev.healthscore.jobs.recompute;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import dev.healthscore.io.reading.ScoringWork;
import dev.healthscore.io.score.InputFingerprints;
import dev.healthscore.io.score.InputHashes;
import dev.healthscore.io.score.ScoredUser;
import dev.healthscore.schedules.ScoreDateWindow;
import dev.healthscore.scoring.DailyScore;
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

	private final Instant asOf;

	/**
	 * Creates a processor.
	 * @param asOf when not {@code null}, only days that have ended in the user's time
	 * zone at this instant are scored
	 */
	ScoringProcessor(ScoringAlgorithm algorithm, Instant asOf) {
		this.algorithm = algorithm;
		this.asOf = asOf;
	}

	@Override
	public ScoredUser process(ScoringWork work) {
		UserScores scores = this.algorithm.score(work.inputs());
		if (this.asOf != null && work.inputs().user() != null) {
			ZoneId zone = work.inputs().user().timeZone();
			List<DailyScore> ended = scores.scores()
				.stream()
				.filter((score) -> ScoreDateWindow.hasEnded(score.day(), zone, this.asOf))
				.toList();
			scores = new UserScores(scores.userId(), ended, scores.rejections());
		}
		return new ScoredUser(scores, work.inputsAsOf(),
				InputFingerprints.of(this.algorithm, work.inputs(), scores, this.hashes));
	}

}
