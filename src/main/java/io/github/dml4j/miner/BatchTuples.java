package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Label masks and tuple enumeration for one batch, shared by miners and losses.
 *
 * <p>Triplets are enumerated as (positive pair) x (batch) masks, so memory grows with
 * {@code B * P} (P = number of positive pairs, about {@code B * (K - 1)} for K images per
 * class) rather than {@code B^3}.
 */
public final class BatchTuples {

    private BatchTuples() {}

    /** (B, B) boolean: same label, not the same index. */
    public static NDArray positiveMask(NDArray labels) {
        NDArray l = labels.toType(DataType.INT64, false);
        NDArray same = l.expandDims(1).eq(l.expandDims(0));
        long b = l.size();
        NDArray eye = l.getManager().eye((int) b).toType(DataType.BOOLEAN, false);
        return same.logicalAnd(eye.logicalNot());
    }

    /** (B, B) boolean: different labels. */
    public static NDArray negativeMask(NDArray labels) {
        NDArray l = labels.toType(DataType.INT64, false);
        return l.expandDims(1).neq(l.expandDims(0));
    }

    /** All (anchor, positive) and (anchor, negative) pairs of the batch. */
    public static Pairs allPairs(NDArray labels) {
        NDArray pos = positiveMask(labels).nonzero();
        NDArray neg = negativeMask(labels).nonzero();
        return new Pairs(pos.get(":, 0"), pos.get(":, 1"), neg.get(":, 0"), neg.get(":, 1"));
    }

    /** Every valid triplet of the batch. */
    public static Triplets allTriplets(NDArray labels) {
        NDArray pos = positiveMask(labels).nonzero();
        NDArray anchors = pos.get(":, 0");
        NDArray candidates = negativeMask(labels).get(anchors);
        return fromCandidates(pos, candidates);
    }

    /**
     * Turns a (P, B) boolean matrix of accepted negatives for each positive pair into triplets.
     *
     * @param positivePairs (P, 2) anchor and positive indices
     * @param accepted (P, B) boolean: negative j accepted for pair i
     */
    static Triplets fromCandidates(NDArray positivePairs, NDArray accepted) {
        if (positivePairs.isEmpty()) {
            NDArray empty = positivePairs.getManager().create(new long[0]);
            return new Triplets(empty, empty, empty);
        }
        NDArray idx = accepted.nonzero();
        if (idx.isEmpty()) {
            NDArray empty = positivePairs.getManager().zeros(new Shape(0), DataType.INT64);
            return new Triplets(empty, empty, empty);
        }
        NDArray pair = idx.get(":, 0");
        NDArray negative = idx.get(":, 1");
        return new Triplets(positivePairs.get(":, 0").get(pair), positivePairs.get(":, 1").get(pair), negative);
    }
}
