package dev.healthscore.io.score;

/**
 * What one stored score was computed from, in two numbers: compared with the same numbers
 * computed again from the current readings, a difference means the score's inputs changed
 * (see {@link InputFingerprints}).
 *
 * @param count the number of valid readings the score depends on
 * @param hash the sum, modulo 2<sup>64</sup>, of their {@link InputHashes#reading reading
 * hashes} and the user's {@link InputHashes#profile profile hash}
 */
public record InputFingerprint(int count, long hash) {

}
