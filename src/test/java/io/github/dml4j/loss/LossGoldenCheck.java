package io.github.dml4j.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.github.dml4j.Golden;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks a loss value and its gradient with respect to the embeddings against the PML reference. */
public final class LossGoldenCheck {

    private LossGoldenCheck() {}

    /**
     * Computes {@code loss(embeddings)} on the reference batch with gradients and compares value
     * and gradient with {@code losses/key} to the relative tolerance {@code rtol}.
     */
    public static void check(NDManager manager, String key, Function<NDArray, NDArray> loss, double rtol) {
        NDArray embeddings = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        embeddings.setRequiresGradient(true);
        float value;
        float[] grad;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.apply(embeddings);
            gc.backward(l);
            value = l.getFloat();
            grad = embeddings.getGradient().toFloatArray();
        }
        double expected = Golden.get("losses", key, "value").getAsDouble();
        assertEquals(expected, value, rtol * Math.max(1e-3, Math.abs(expected)), key + " value");
        float[][] expectedGrad = Golden.floats(Golden.get("losses", key, "grad"));
        double scale = 0;
        for (float[] row : expectedGrad) {
            for (float v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        int d = expectedGrad[0].length;
        for (int i = 0; i < expectedGrad.length; i++) {
            for (int j = 0; j < d; j++) {
                assertEquals(expectedGrad[i][j], grad[i * d + j], rtol * Math.max(1e-3, scale),
                        key + " gradient [" + i + "][" + j + "]");
            }
        }
    }

    /** The reference batch's labels. */
    public static NDArray labels(NDManager manager) {
        return manager.create(Golden.ints(Golden.get("batch", "labels")));
    }
}
