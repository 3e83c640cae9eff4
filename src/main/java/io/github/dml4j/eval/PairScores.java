package io.github.dml4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.distance.Distance;

import java.util.Objects;

/**
 * Verification scores of image pairs from their embeddings, on the engine: the rows named by
 * each pair are gathered and compared with {@link Distance#paired(NDArray, NDArray)}, and the
 * result is turned into a score where higher means more similar ({@link Distance#toScore}),
 * the scale {@link RocCurve}, {@link VerificationMetrics} and {@link ThresholdCalibration} use.
 *
 * <p>Optional flip averaging (as in face verification papers: the embedding of an image is the
 * mean of the embeddings of the image and its mirror) is done by the caller before scoring,
 * for example with {@code EmbeddingModel.embed(manager, images, true)}.
 */
public final class PairScores {

    private PairScores() {}

    /**
     * Scores pairs of rows of {@code embeddings}.
     *
     * @param embeddings (N, D) embeddings
     * @param first the first image of each pair, row indices into {@code embeddings}
     * @param second the second image of each pair
     * @param distance how to compare two embeddings
     * @return one score per pair, higher = more similar
     * @throws IllegalArgumentException if the index arrays differ in length, or an index is
     *     outside the embeddings (naming the pair)
     */
    public static float[] score(NDArray embeddings, int[] first, int[] second, Distance distance) {
        Objects.requireNonNull(embeddings, "embeddings");
        Objects.requireNonNull(distance, "distance");
        if (first.length != second.length) {
            throw new IllegalArgumentException("Got " + first.length + " first images but " + second.length
                    + " second images: every pair needs both.");
        }
        if (embeddings.getShape().dimension() != 2) {
            throw new IllegalArgumentException("The embeddings must be a (N, D) matrix, got shape "
                    + embeddings.getShape() + ".");
        }
        long n = embeddings.getShape().get(0);
        long[] a = checkedIndices(first, n, "first");
        long[] b = checkedIndices(second, n, "second");
        if (a.length == 0) {
            return new float[0];
        }
        try (NDManager scope = embeddings.getManager().newSubManager()) {
            NDArray ia = scope.create(a);
            NDArray ib = scope.create(b);
            NDArray ea = embeddings.get(ia);
            NDArray eb = embeddings.get(ib);
            ea.attach(scope);
            eb.attach(scope);
            NDArray scores = distance.toScore(distance.paired(ea, eb));
            return scores.toFloatArray();
        }
    }

    private static long[] checkedIndices(int[] indices, long n, String which) {
        long[] out = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= n) {
                throw new IllegalArgumentException("Pair " + i + " names image " + indices[i] + " as its " + which
                        + " image, but there are " + n + " embeddings.");
            }
            out[i] = indices[i];
        }
        return out;
    }
}
