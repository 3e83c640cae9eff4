package io.github.dml4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a number on arrays that may be in the autograd graph: multiplication,
 * division, maximum and minimum whose number the engine owns.
 *
 * <p>DJL's {@code x.mul(2f)} (and {@code div}, {@code maximum}, {@code minimum}, {@code pow}
 * with a {@code Number}) wraps the number in an array over a Java direct buffer and closes that
 * array when the operation returns. The backward of these operations keeps the number (the
 * gradient of {@code x * c} is {@code grad * c}), but after the close only the graph refers to
 * the buffer, which the Java garbage collector frees whenever it runs: a backward after a
 * collection read freed memory, and the gradient of that step was wrong, slightly or badly,
 * depending on what the memory then held (the same run gave different weights from time to
 * time, most often on a loaded machine, while every loss was identical). Here the number is an
 * array the engine allocates and counts references to, so the graph keeps it alive. The results
 * are bit for bit those of DJL's operations: the same value, as a scalar of {@code x}'s type.
 * Arithmetic that keeps no operand for the backward ({@code add}, {@code sub}) and arrays
 * outside any graph need none of this.
 */
public final class GraphScalars {

    private GraphScalars() {}

    /**
     * {@code x * value}.
     *
     * @param x the array
     * @param value the number
     * @return a new array in {@code x}'s manager
     */
    public static NDArray mul(NDArray x, float value) {
        try (NDArray s = scalar(x, value)) {
            return x.mul(s);
        }
    }

    /**
     * {@code x / value}.
     *
     * @param x the array
     * @param value the number
     * @return a new array in {@code x}'s manager
     */
    public static NDArray div(NDArray x, float value) {
        try (NDArray s = scalar(x, value)) {
            return x.div(s);
        }
    }

    /**
     * The element-wise maximum of {@code x} and {@code value}.
     *
     * @param x the array
     * @param value the number
     * @return a new array in {@code x}'s manager
     */
    public static NDArray maximum(NDArray x, float value) {
        try (NDArray s = scalar(x, value)) {
            return x.maximum(s);
        }
    }

    /**
     * The element-wise minimum of {@code x} and {@code value}.
     *
     * @param x the array
     * @param value the number
     * @return a new array in {@code x}'s manager
     */
    public static NDArray minimum(NDArray x, float value) {
        try (NDArray s = scalar(x, value)) {
            return x.minimum(s);
        }
    }

    /** A 0-d array of {@code x}'s type and device, allocated by the engine; closing it leaves the graph's reference. */
    private static NDArray scalar(NDArray x, float value) {
        return x.getManager().full(new Shape(), value, x.getDataType());
    }
}
