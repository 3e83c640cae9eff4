package io.github.dml4j.distance;

import ai.djl.ndarray.NDArray;
import io.github.dml4j.nn.GraphScalars;

/** L2 normalization of embedding rows, shared by the distances and the embedding network. */
public final class Normalization {

    /** Floor on the norm, as {@code torch.nn.functional.normalize} uses. */
    public static final float EPS = 1e-12f;

    private Normalization() {}

    /** Divides each row of an (N, D) array by its L2 norm (at least {@link #EPS}). */
    public static NDArray l2(NDArray x) {
        NDArray norm = GraphScalars.maximum(x.square().sum(new int[] {1}, true).sqrt(), EPS);
        return x.div(norm);
    }
}
