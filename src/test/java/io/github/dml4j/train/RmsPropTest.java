package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class RmsPropTest {

    @Test
    void matchesTheRmsPropUpdateComputedByHand() {
        float lr = 0.01f;
        float rho = 0.9f;
        float eps = 1e-8f;
        try (NDManager manager = NDManager.newBaseManager()) {
            RmsProp opt = RmsProp.builder().optLearningRateTracker(Tracker.fixed(lr)).optRho(rho).optEpsilon(eps).build();
            float[] w = {1f, -2f, 0.5f};
            float[][] grads = {{0.1f, -0.3f, 2f}, {0.2f, 0.1f, -1f}, {-0.5f, 0f, 0.3f}};
            NDArray weight = manager.create(w.clone());
            double[] v = new double[3];
            double[] expected = {w[0], w[1], w[2]};
            for (float[] g : grads) {
                opt.update("w", weight, manager.create(g));
                for (int i = 0; i < 3; i++) {
                    v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
                    expected[i] -= lr * g[i] / (Math.sqrt(v[i]) + eps);
                }
            }
            float[] e = new float[3];
            for (int i = 0; i < 3; i++) {
                e[i] = (float) expected[i];
            }
            assertArrayEquals(e, weight.toFloatArray(), 1e-6f);
        }
    }
}
