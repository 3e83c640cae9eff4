/**
 * Miners: from a batch's embeddings and labels, choose the index tuples to learn from.
 *
 * <p>Triplet miners return {@link io.github.dml4j.miner.Triplets}, pair miners
 * {@link io.github.dml4j.miner.Pairs}. All run on the engine without gradients and without
 * Java loops over batch elements; a batch without a valid tuple gives an empty result.
 * {@link io.github.dml4j.miner.TripletMarginMiner} (all / hard / semi-hard / easy by margin)
 * and {@link io.github.dml4j.miner.BatchHardMiner} follow pytorch-metric-learning.
 */
package io.github.dml4j.miner;
