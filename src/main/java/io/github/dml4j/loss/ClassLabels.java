package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Checks of integer class labels in [0, C), shared by the losses that take one parameter row or
 * column per class and by the heads that own those parameters. The checks run on the engine (a
 * max and a min), with no loop over the batch.
 */
public final class ClassLabels {

    private ClassLabels() {}

    /**
     * Flattens the labels to int64 and checks that each lies in [0, classes).
     *
     * @param labels integer labels of any shape
     * @param classes the number of classes C
     * @param owner what the classes belong to, as the message names it (e.g. a head)
     * @param hint a sentence appended to the message, how to mend it; empty for none
     * @return the flattened int64 labels
     * @throws IllegalArgumentException naming the offending label (the largest if too large, else
     *     the smallest), the class count and the owner
     */
    public static NDArray checkRange(NDArray labels, long classes, String owner, String hint) {
        NDArray flat = labels.reshape(-1).toType(DataType.INT64, false);
        if (flat.isEmpty()) {
            return flat;
        }
        long max = flat.max().getLong();
        long min = flat.min().getLong();
        if (max >= classes || min < 0) {
            long bad = max >= classes ? max : min;
            throw new IllegalArgumentException("Label " + bad + " is outside the " + classes + " classes of " + owner
                    + ": labels must lie in [0, " + classes + ")." + (hint.isEmpty() ? "" : " " + hint));
        }
        return flat;
    }

    /**
     * As {@link #checkRange} without a hint, after checking that there is one label per embedding.
     *
     * @throws IllegalArgumentException if the count differs or a label lies outside [0, classes)
     */
    static NDArray check(NDArray labels, long batch, long classes, String owner) {
        NDArray flat = labels.reshape(-1).toType(DataType.INT64, false);
        if (flat.size() != batch) {
            throw new IllegalArgumentException(owner + " got " + batch + " embeddings but " + flat.size() + " labels.");
        }
        return checkRange(flat, classes, owner, "");
    }
}
