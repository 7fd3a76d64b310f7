package dev.healthscore.scoring;

/**
 * A reading that is not valid input to a score, and why.
 *
 * @param reading the rejected reading
 * @param reason the first rule it broke
 */
public record Rejection(Reading reading, RejectionReason reason) {

}
