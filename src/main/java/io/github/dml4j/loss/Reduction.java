package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.nn.GraphScalars;

/**
 * How per-tuple or per-element loss terms become one scalar, as pytorch-metric-learning's
 * reducers.
 */
public enum Reduction {

    /** Mean over the terms greater than zero (PML's {@code AvgNonZeroReducer}); zero if none. */
    MEAN_NON_ZERO,
    /** Mean over all terms (PML's {@code MeanReducer}); zero if there are none. */
    MEAN,
    /** Sum of all terms. */
    SUM;

    /**
     * Reduces a vector of terms to a scalar without leaving the engine.
     *
     * @param terms the loss terms, any shape
     * @return a scalar
     */
    public NDArray reduce(NDArray terms) {
        NDArray sum = terms.sum();
        return switch (this) {
            case SUM -> sum;
            case MEAN -> GraphScalars.div(sum, Math.max(1L, terms.size()));
            case MEAN_NON_ZERO -> sum.div(terms.gt(0f).toType(DataType.FLOAT32, false).sum().maximum(1f));
        };
    }
}
