/**
 * Miners: from a batch's embeddings and labels, choose the index tuples to learn from.
 *
 * <p>Triplet miners return {@link io.github.dml4j.miner.Triplets}:
 * {@link io.github.dml4j.miner.TripletMarginMiner} (all / hard / semi-hard / easy by margin),
 * {@link io.github.dml4j.miner.BatchHardMiner} and
 * {@link io.github.dml4j.miner.DistanceWeightedMiner}. Pair miners return
 * {@link io.github.dml4j.miner.Pairs}: {@link io.github.dml4j.miner.PairMarginMiner} and
 * {@link io.github.dml4j.miner.MultiSimilarityMiner}. All follow pytorch-metric-learning, run on
 * the engine without gradients and without Java loops over batch elements, and enumerate
 * (positive pair x batch) rather than B^3 candidates; a batch without a valid tuple gives an
 * empty result.
 */
package io.github.dml4j.miner;
