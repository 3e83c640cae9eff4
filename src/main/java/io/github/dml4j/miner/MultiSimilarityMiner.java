package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;

/**
 * The pair mining step of the multi-similarity loss (Wang et al. 2019, "Multi-Similarity Loss
 * with General Pair Weighting for Deep Metric Learning"), as pytorch-metric-learning's
 * {@code MultiSimilarityMiner}.
 *
 * <p>With similarity {@code s} and {@code epsilon}, for each anchor {@code a}:
 * <ul>
 *   <li>a negative pair (a, n) is kept when {@code s(a,n) + epsilon > min_p s(a,p)}, it is
 *       closer than the anchor's hardest positive plus a slack;</li>
 *   <li>a positive pair (a, p) is kept when {@code s(a,p) - epsilon < max_n s(a,n)}, it is
 *       farther than the anchor's hardest negative minus the slack.</li>
 * </ul>
 * For a distance the comparisons flip ({@code d(a,n) - epsilon < max_p d(a,p)} and
 * {@code d(a,p) + epsilon > min_n d(a,n)}). An anchor without positives keeps no negative pair
 * and one without negatives keeps no positive pair; a batch without any positive or any
 * negative pair gives an empty result, as in PML.
 *
 * <p>Defaults follow PML: epsilon 0.1, {@link CosineSimilarity}. Mining reads detached
 * embeddings and builds only (B, B) matrices.
 */
public final class MultiSimilarityMiner implements Miner<Pairs> {

    private final float epsilon;
    private final Distance distance;

    private MultiSimilarityMiner(Builder builder) {
        this.epsilon = builder.epsilon;
        this.distance = builder.distance;
    }

    /** Returns a builder; defaults: epsilon 0.1, cosine similarity. */
    public static Builder builder() {
        return new Builder();
    }

    /** The slack epsilon. */
    public float getEpsilon() {
        return epsilon;
    }

    /** The distance used. */
    public Distance getDistance() {
        return distance;
    }

    @Override
    public Pairs mine(NDArray embeddings, NDArray labels) {
        NDArray e = embeddings.stopGradient();
        NDArray flatLabels = labels.reshape(-1);
        NDArray pos = BatchTuples.positiveMask(flatLabels);
        NDArray neg = BatchTuples.negativeMask(flatLabels);
        if (!pos.any().getBoolean() || !neg.any().getBoolean()) {
            return emptyPairs(e);
        }
        // score: higher = closer; the rule in score space is the similarity rule of PML, and for a
        // distance it is the distance rule with both sides negated (negation is exact)
        NDArray score = distance.toScore(distance.pairwise(e, e));
        NDArray minusInf = e.getManager().full(score.getShape(), Float.NEGATIVE_INFINITY);
        NDArray plusInf = e.getManager().full(score.getShape(), Float.POSITIVE_INFINITY);
        NDArray hardestNegative = NDArrays.where(neg, score, minusInf).max(new int[] {1}, true); // (B, 1)
        NDArray hardestPositive = NDArrays.where(pos, score, plusInf).min(new int[] {1}, true); // (B, 1)
        NDArray keepPos = pos.logicalAnd(score.sub(epsilon).lt(hardestNegative)).nonzero();
        NDArray keepNeg = neg.logicalAnd(score.add(epsilon).gt(hardestPositive)).nonzero();
        return new Pairs(keepPos.get(":, 0"), keepPos.get(":, 1"), keepNeg.get(":, 0"), keepNeg.get(":, 1"));
    }

    private static Pairs emptyPairs(NDArray like) {
        NDArray empty = like.getManager().zeros(new ai.djl.ndarray.types.Shape(0), DataType.INT64);
        return new Pairs(empty, empty, empty, empty);
    }

    @Override
    public String toString() {
        return "MultiSimilarityMiner{epsilon=" + epsilon + ", distance=" + distance + '}';
    }

    /** Builder for {@link MultiSimilarityMiner}. */
    public static final class Builder {
        private float epsilon = 0.1f;
        private Distance distance = new CosineSimilarity();

        private Builder() {}

        /** Sets the slack epsilon (default 0.1). */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /** Sets the distance (default cosine similarity, as in PML). */
        public Builder optDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /** Builds the miner, checking the settings. */
        public MultiSimilarityMiner build() {
            if (!(epsilon >= 0f) || Float.isInfinite(epsilon)) {
                throw new IllegalArgumentException("The epsilon of MultiSimilarityMiner must be a finite number >= 0, got " + epsilon + ".");
            }
            if (distance == null) {
                throw new IllegalArgumentException("The distance of MultiSimilarityMiner must not be null.");
            }
            return new MultiSimilarityMiner(this);
        }
    }
}
