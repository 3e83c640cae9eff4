/**
 * DJL {@link ai.djl.training.dataset.Sampler}s that decide how batches are drawn for metric
 * learning. {@link io.github.dml4j.sampler.MPerClassSampler} gives P classes x m images per
 * batch, so that every batch holds positives and negatives for in-batch mining;
 * {@link io.github.dml4j.sampler.BalancedPairSampler} draws explicit pairs with a chosen share of
 * positive pairs (default 0.5). Both are reproducible per seed and epoch;
 * {@link io.github.dml4j.sampler.EpochBatches} holds the seeded epoch pieces they share.
 */
package io.github.dml4j.sampler;
