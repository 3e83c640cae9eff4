package io.github.dml4j.inference;

import java.util.Locale;

/**
 * The answer to "do these two images show the same identity?": the similarity score of their
 * embeddings (higher = more similar), the calibrated threshold from the model card, and the
 * decision {@code score >= threshold}.
 *
 * @param score the similarity score, on the card distance's score scale
 * @param threshold the threshold the decision used
 * @param same whether the images are declared the same identity
 */
public record Verification(double score, double threshold, boolean same) {

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (score %.4f, threshold %.4f)", same ? "same" : "different", score, threshold);
    }
}
