package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Mined (anchor, positive, negative) index triplets: {@code label[anchor] == label[positive]},
 * {@code anchor != positive}, {@code label[anchor] != label[negative]}.
 *
 * @param anchor int64 indices of the anchors
 * @param positive int64 indices of the positives
 * @param negative int64 indices of the negatives
 */
public record Triplets(NDArray anchor, NDArray positive, NDArray negative) implements MinedTuples {

    /** Checks that the three vectors are one-dimensional and of equal length. */
    public Triplets {
        MinedTuples.checkSameLength("Triplet anchor/positive", anchor, positive);
        MinedTuples.checkSameLength("Triplet anchor/negative", anchor, negative);
        anchor = anchor.toType(DataType.INT64, false);
        positive = positive.toType(DataType.INT64, false);
        negative = negative.toType(DataType.INT64, false);
    }

    /** Number of triplets. */
    public long size() {
        return anchor.size();
    }

    @Override
    public boolean isEmpty() {
        return anchor.isEmpty();
    }

    @Override
    public Triplets toTriplets() {
        return this;
    }

    @Override
    public Pairs toPairs() {
        return new Pairs(anchor, positive, anchor, negative);
    }

    /** Returns the triplets as an (N, 3) int64 matrix, handy for tests and logs. */
    public NDArray toMatrix() {
        return anchor.stack(positive, 1).concat(negative.expandDims(1), 1);
    }
}
