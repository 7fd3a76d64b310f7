package dev.healthscore.io.reading;

import java.time.Instant;

import dev.healthscore.scoring.ScoreInputs;

/**
 * One user's scoring inputs as read from the database, and the point up to which those
 * inputs were complete.
 *
 * @param inputs the user, day range and readings
 * @param inputsAsOf readings committed before this instant are part of the inputs
 */
public record ScoringWork(ScoreInputs inputs, Instant inputsAsOf) {

}
