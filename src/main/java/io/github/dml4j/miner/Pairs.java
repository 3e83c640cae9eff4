package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Mined positive pairs (anchorPositive[i], positive[i]) with equal labels and negative pairs
 * (anchorNegative[j], negative[j]) with different labels.
 *
 * @param anchorPositive int64 anchors of the positive pairs
 * @param positive int64 partners of the positive pairs
 * @param anchorNegative int64 anchors of the negative pairs
 * @param negative int64 partners of the negative pairs
 */
public record Pairs(NDArray anchorPositive, NDArray positive, NDArray anchorNegative, NDArray negative)
        implements MinedTuples {

    /** Checks that each side's two vectors are one-dimensional and of equal length. */
    public Pairs {
        MinedTuples.checkSameLength("Positive pair", anchorPositive, positive);
        MinedTuples.checkSameLength("Negative pair", anchorNegative, negative);
        anchorPositive = anchorPositive.toType(DataType.INT64, false);
        positive = positive.toType(DataType.INT64, false);
        anchorNegative = anchorNegative.toType(DataType.INT64, false);
        negative = negative.toType(DataType.INT64, false);
    }

    /** Number of positive pairs. */
    public long positiveCount() {
        return anchorPositive.size();
    }

    /** Number of negative pairs. */
    public long negativeCount() {
        return anchorNegative.size();
    }

    @Override
    public boolean isEmpty() {
        return anchorPositive.isEmpty() && anchorNegative.isEmpty();
    }

    @Override
    public Pairs toPairs() {
        return this;
    }

    /**
     * Every positive pair joined with every negative pair that shares its anchor, as
     * pytorch-metric-learning's {@code convert_to_triplets} does.
     */
    @Override
    public Triplets toTriplets() {
        if (anchorPositive.isEmpty() || anchorNegative.isEmpty()) {
            NDArray empty = anchorPositive.getManager().create(new long[0]);
            return new Triplets(empty, empty, empty);
        }
        NDArray sameAnchor = anchorPositive.expandDims(1).eq(anchorNegative.expandDims(0));
        NDArray idx = sameAnchor.nonzero();
        NDArray p = idx.get(":, 0");
        NDArray n = idx.get(":, 1");
        return new Triplets(anchorPositive.get(p), positive.get(p), negative.get(n));
    }
}
