package io.github.dml4j.distance;

import ai.djl.ndarray.NDArray;

/**
 * Cosine similarity: the dot product of L2-normalized embeddings, in [-1, 1], larger means
 * closer. pytorch-metric-learning's default for multi-similarity and margin-softmax losses.
 */
public final class CosineSimilarity implements Distance {

    @Override
    public NDArray pairwise(NDArray query, NDArray reference) {
        return Normalization.l2(query).matMul(Normalization.l2(reference).transpose());
    }

    @Override
    public NDArray paired(NDArray a, NDArray b) {
        return Normalization.l2(a).mul(Normalization.l2(b)).sum(new int[] {1});
    }

    @Override
    public boolean isInverted() {
        return true;
    }

    /** {@link IndexMetric#INNER_PRODUCT} of L2-normalized rows. */
    @Override
    public IndexMetric indexMetric() {
        return IndexMetric.INNER_PRODUCT;
    }

    /** {@code true}: the embeddings are L2-normalized first. */
    @Override
    public boolean isNormalizeEmbeddings() {
        return true;
    }

    @Override
    public String name() {
        return "cosine";
    }

    @Override
    public String toString() {
        return "CosineSimilarity";
    }
}
