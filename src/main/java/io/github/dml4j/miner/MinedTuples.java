package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;

/**
 * Index tuples chosen from a batch: either {@link Pairs} or {@link Triplets}.
 *
 * <p>Indices are int64 vectors into the batch's embeddings. Losses accept either kind and
 * convert, as pytorch-metric-learning's {@code indices_tuple} does.
 */
public sealed interface MinedTuples permits Pairs, Triplets {

    /** Converts to triplets, pairing every positive pair with every negative pair of the same anchor. */
    Triplets toTriplets();

    /** Converts to pairs: (anchor, positive) and (anchor, negative). */
    Pairs toPairs();

    /** Returns {@code true} when no tuple was mined. */
    boolean isEmpty();

    /** Checks that index vectors are one-dimensional and of equal length. */
    static void checkSameLength(String what, NDArray first, NDArray second) {
        if (first.getShape().dimension() != 1 || second.getShape().dimension() != 1) {
            throw new IllegalArgumentException(what + " indices must be 1-D vectors, got shapes "
                    + first.getShape() + " and " + second.getShape() + ".");
        }
        if (first.size() != second.size()) {
            throw new IllegalArgumentException(what + " index vectors differ in length: "
                    + first.size() + " and " + second.size() + ".");
        }
    }
}
