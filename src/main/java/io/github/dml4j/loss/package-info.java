/**
 * Embedding losses as DJL {@link ai.djl.training.loss.Loss}es, composed from a
 * {@link io.github.dml4j.distance.Distance} and a {@link io.github.dml4j.loss.Reduction}, as
 * pytorch-metric-learning composes them. Each takes embeddings, labels and optional mined
 * tuples; without tuples it uses every valid tuple of the batch.
 */
package io.github.dml4j.loss;
