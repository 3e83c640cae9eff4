package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;

/**
 * Chooses which tuples of a batch to learn from, given the batch's embeddings and labels.
 *
 * <p>Miners run without gradients (they read detached embeddings) and are vectorized on the
 * engine. A batch with no valid tuple yields an empty result, never an error.
 *
 * @param <T> the kind of tuples mined
 */
public interface Miner<T extends MinedTuples> {

    /**
     * Mines tuples from a batch.
     *
     * @param embeddings (B, D) embeddings; gradients are not propagated through mining
     * @param labels (B) integer labels
     * @return the mined tuples, in the manager of {@code embeddings}
     */
    T mine(NDArray embeddings, NDArray labels);
}
