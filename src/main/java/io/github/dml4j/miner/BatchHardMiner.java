package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.LpDistance;

/**
 * For every anchor, the hardest positive (farthest same-label sample) and the hardest negative
 * (closest other-label sample): one triplet per anchor (Hermans et al. 2017, "In Defense of the
 * Triplet Loss for Person Re-Identification"). Anchors without a positive or a negative in the
 * batch are skipped.
 *
 * <pre>{@code
 * BatchHardMiner miner = BatchHardMiner.builder().optDistance(new CosineSimilarity()).build();
 * }</pre>
 */
public final class BatchHardMiner implements Miner<Triplets> {

    private final Distance distance;

    private BatchHardMiner(Builder builder) {
        this.distance = builder.distance;
    }

    /** Returns a builder; default: {@link LpDistance#normalized()}, Euclidean on normalized embeddings. */
    public static Builder builder() {
        return new Builder();
    }

    /** The distance used. */
    public Distance getDistance() {
        return distance;
    }

    @Override
    public Triplets mine(NDArray embeddings, NDArray labels) {
        NDArray e = embeddings.stopGradient();
        NDArray score = distance.toScore(distance.pairwise(e, e)); // higher = closer
        NDArray pos = BatchTuples.positiveMask(labels);
        NDArray neg = BatchTuples.negativeMask(labels);
        float big = Float.MAX_VALUE;
        NDArray posScore = score.add(pos.logicalNot().toType(DataType.FLOAT32, false).mul(big));
        NDArray negScore = score.sub(neg.logicalNot().toType(DataType.FLOAT32, false).mul(big));
        NDArray hardestPositive = posScore.argMin(1);
        NDArray hardestNegative = negScore.argMax(1);
        NDArray valid = pos.sum(new int[] {1}).gt(0).logicalAnd(neg.sum(new int[] {1}).gt(0));
        NDArray anchors = valid.nonzero().reshape(-1);
        return new Triplets(anchors, hardestPositive.get(anchors), hardestNegative.get(anchors));
    }

    @Override
    public String toString() {
        return "BatchHardMiner{distance=" + distance + '}';
    }

    /** Builder for {@link BatchHardMiner}. */
    public static final class Builder {
        private Distance distance = LpDistance.normalized();

        private Builder() {}

        /** Sets the distance (default Euclidean on normalized embeddings). */
        public Builder optDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /**
         * Validates the settings and builds the miner.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public BatchHardMiner build() {
            if (distance == null) {
                throw new IllegalArgumentException("The distance of BatchHardMiner must not be null.");
            }
            return new BatchHardMiner(this);
        }
    }
}
