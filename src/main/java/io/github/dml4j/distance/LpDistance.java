package io.github.dml4j.distance;

import ai.djl.ndarray.NDArray;
import io.github.dml4j.nn.GraphScalars;

/**
 * Euclidean (L2) distance, optionally squared and optionally on L2-normalized embeddings.
 *
 * <p>The default, {@code LpDistance.builder().build()}, is pytorch-metric-learning's default
 * distance: Euclidean distance between L2-normalized embeddings. The pairwise matrix is
 * computed as {@code |q|^2 + |r|^2 - 2 q.r} with one matrix product; the squared value is
 * clamped at a tiny positive floor before the square root, so a zero distance has a zero
 * (not NaN) gradient.
 */
public final class LpDistance implements Distance {

    private static final float SQRT_FLOOR = 1e-12f;

    private final boolean normalizeEmbeddings;
    private final boolean squared;

    private LpDistance(Builder builder) {
        this.normalizeEmbeddings = builder.normalizeEmbeddings;
        this.squared = builder.squared;
    }

    /** Returns a builder; defaults: normalized embeddings, not squared. */
    public static Builder builder() {
        return new Builder();
    }

    /** Euclidean distance on raw (not normalized) embeddings. */
    public static LpDistance raw() {
        return builder().optNormalizeEmbeddings(false).build();
    }

    /** Euclidean distance on L2-normalized embeddings (PML's default). */
    public static LpDistance normalized() {
        return builder().build();
    }

    /** Whether embeddings are L2-normalized before the distance is taken. */
    @Override
    public boolean isNormalizeEmbeddings() {
        return normalizeEmbeddings;
    }

    /** Whether the squared distance is returned. */
    @Override
    public boolean isSquared() {
        return squared;
    }

    /** {@link IndexMetric#SQUARED_EUCLIDEAN} when squared, {@link IndexMetric#EUCLIDEAN} otherwise. */
    @Override
    public IndexMetric indexMetric() {
        return squared ? IndexMetric.SQUARED_EUCLIDEAN : IndexMetric.EUCLIDEAN;
    }

    @Override
    public NDArray pairwise(NDArray query, NDArray reference) {
        NDArray q = prepare(query);
        NDArray r = prepare(reference);
        NDArray qq = q.square().sum(new int[] {1}, true);
        NDArray rr = r.square().sum(new int[] {1}, true).transpose();
        NDArray d2 = GraphScalars.maximum(qq.add(rr).sub(GraphScalars.mul(q.matMul(r.transpose()), 2f)), 0f);
        return finish(d2);
    }

    @Override
    public NDArray paired(NDArray a, NDArray b) {
        NDArray d2 = prepare(a).sub(prepare(b)).square().sum(new int[] {1});
        return finish(d2);
    }

    private NDArray prepare(NDArray x) {
        return normalizeEmbeddings ? Normalization.l2(x) : x;
    }

    private NDArray finish(NDArray squaredDistance) {
        return squared ? squaredDistance : GraphScalars.maximum(squaredDistance, SQRT_FLOOR).sqrt();
    }

    @Override
    public boolean isInverted() {
        return false;
    }

    @Override
    public String name() {
        return (squared ? "squared_l2" : "l2") + (normalizeEmbeddings ? "_normalized" : "");
    }

    @Override
    public String toString() {
        return "LpDistance{normalizeEmbeddings=" + normalizeEmbeddings + ", squared=" + squared + '}';
    }

    /** Builder for {@link LpDistance}. */
    public static final class Builder {
        private boolean normalizeEmbeddings = true;
        private boolean squared;

        private Builder() {}

        /** Sets whether embeddings are L2-normalized first (default {@code true}). */
        public Builder optNormalizeEmbeddings(boolean normalize) {
            this.normalizeEmbeddings = normalize;
            return this;
        }

        /** Sets whether the squared distance is returned (default {@code false}). */
        public Builder optSquared(boolean squared) {
            this.squared = squared;
            return this;
        }

        /** Builds the distance. */
        public LpDistance build() {
            return new LpDistance(this);
        }
    }
}
