package io.github.dml4j.distance;

import ai.djl.ndarray.NDArray;

/**
 * Dot-product similarity on the raw (not normalized) embeddings: {@code s(x, y) = x . y},
 * larger means closer, as pytorch-metric-learning's {@code DotProductSimilarity}.
 *
 * <p>Unlike {@link CosineSimilarity} the value grows with the norms of the embeddings, so it
 * suits embedding networks that end in an L2 normalization (then it equals the cosine
 * similarity and is cheaper) or losses that are meant to see the norms. The pairwise matrix is
 * one matrix product.
 */
public final class DotProductSimilarity implements Distance {

    /** Creates the similarity; it has no settings. */
    public DotProductSimilarity() {
        // stateless
    }

    @Override
    public NDArray pairwise(NDArray query, NDArray reference) {
        return query.matMul(reference.transpose());
    }

    @Override
    public NDArray paired(NDArray a, NDArray b) {
        return a.mul(b).sum(new int[] {1});
    }

    @Override
    public boolean isInverted() {
        return true;
    }

    /** {@link IndexMetric#INNER_PRODUCT} of the raw rows. */
    @Override
    public IndexMetric indexMetric() {
        return IndexMetric.INNER_PRODUCT;
    }

    @Override
    public String name() {
        return "dot";
    }

    @Override
    public String toString() {
        return "DotProductSimilarity";
    }
}
