package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * The unreduced terms of a loss, in one or more groups that are reduced separately and then
 * summed, as pytorch-metric-learning reduces e.g. contrastive loss's positive and negative pair
 * terms each on its own.
 *
 * @param groups the term vectors (each possibly empty), in the graph of the embeddings
 */
public record LossTerms(List<NDArray> groups) {

    /** Copies the list. */
    public LossTerms {
        groups = List.copyOf(groups);
    }

    /** One group of terms. */
    public static LossTerms of(NDArray terms) {
        return new LossTerms(List.of(terms));
    }

    /** Two groups, reduced separately, e.g. positive-pair and negative-pair terms. */
    public static LossTerms of(NDArray first, NDArray second) {
        return new LossTerms(List.of(first, second));
    }
}
