/**
 * Distances and similarities between embeddings, each a batched pairwise matrix on the engine.
 *
 * <p>{@link io.github.dml4j.distance.LpDistance} (Euclidean, optionally squared, by default on
 * L2-normalized embeddings as pytorch-metric-learning does),
 * {@link io.github.dml4j.distance.CosineSimilarity} and
 * {@link io.github.dml4j.distance.DotProductSimilarity}. A
 * {@link io.github.dml4j.distance.Distance} states its direction once; losses and miners ask it
 * for margins and never branch on the kind.
 *
 * <p>Nor does any other code: a distance declares its capabilities (similarity or distance,
 * normalized embeddings, squared, and the {@link io.github.dml4j.distance.IndexMetric} an index
 * computes it with, or none) and its stable name, and the indexes, the retrieval metrics and
 * threshold clustering read only those. A distance of one's own therefore works wherever its
 * capabilities allow; where they do not, for example a distance that is not indexable given to
 * an index, it is refused with an {@link java.lang.IllegalArgumentException} that names it.
 */
package io.github.dml4j.distance;
