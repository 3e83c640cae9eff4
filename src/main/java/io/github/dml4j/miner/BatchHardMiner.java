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
 */
public final class BatchHardMiner implements Miner<Triplets> {

    private final Distance distance;

    private BatchHardMiner(Distance distance) {
        this.distance = distance;
    }

    /** A batch-hard miner on Euclidean distance between normalized embeddings. */
    public static BatchHardMiner create() {
        return new BatchHardMiner(LpDistance.normalized());
    }

    /** A batch-hard miner on the given distance. */
    public static BatchHardMiner create(Distance distance) {
        if (distance == null) {
            throw new IllegalArgumentException("The distance of BatchHardMiner must not be null.");
        }
        return new BatchHardMiner(distance);
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
}
