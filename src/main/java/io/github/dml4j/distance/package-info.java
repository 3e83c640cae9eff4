/**
 * Distances and similarities between embeddings, each a batched pairwise matrix on the engine.
 *
 * <p>{@link io.github.dml4j.distance.LpDistance} (Euclidean, optionally squared, by default on
 * L2-normalized embeddings as pytorch-metric-learning does),
 * {@link io.github.dml4j.distance.CosineSimilarity} and
 * {@link io.github.dml4j.distance.DotProductSimilarity}. A
 * {@link io.github.dml4j.distance.Distance} states its direction once; losses and miners ask it
 * for margins and never branch on the kind.
 */
package io.github.dml4j.distance;
