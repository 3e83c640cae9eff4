package io.github.dml4j.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.github.dml4j.Golden;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CenterLossGoldenTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void matchesTheReference() {
        CenterLoss loss = CenterLoss.builder().build();
        NDArray centers = Golden.matrix(manager, Golden.get("centers_C_by_D"));
        LossGoldenCheck.check(manager, "center_loss_half_mean_sq", e -> loss.compute(e, LossGoldenCheck.labels(manager), centers), 1e-4);
    }

    @Test
    void matchesAPlainLoopAndSumIsBatchTimesMean() {
        double[][] e = PlainLosses.toDouble(Golden.floats(Golden.get("batch", "embeddings")));
        double[][] c = PlainLosses.toDouble(Golden.floats(Golden.get("centers_C_by_D")));
        int[] labels = Golden.ints(Golden.get("batch", "labels"));
        NDArray ee = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        NDArray cc = Golden.matrix(manager, Golden.get("centers_C_by_D"));
        NDArray l = manager.create(labels);
        double plain = PlainLosses.center(e, labels, c);
        assertEquals(plain, CenterLoss.builder().build().compute(ee, l, cc).getFloat(), 1e-6 * plain);
        assertEquals(32 * plain, CenterLoss.builder().optReduction(Reduction.SUM).build().compute(ee, l, cc).getFloat(), 1e-6 * 32 * plain);
        assertEquals(plain, CenterLoss.builder().build().evaluate(new NDList(l), new NDList(ee, cc)).getFloat(), 1e-6 * plain);
    }

    @Test
    void centreGradientIsTheClosedForm() {
        // dL/dc_j = 1/B * sum_{i: y_i = j} (c_j - x_i)
        float[][] x = Golden.floats(Golden.get("batch", "embeddings"));
        float[][] c = Golden.floats(Golden.get("centers_C_by_D"));
        int[] labels = Golden.ints(Golden.get("batch", "labels"));
        NDArray centers = manager.create(c);
        centers.setRequiresGradient(true);
        float[] grad;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(CenterLoss.builder().build().compute(manager.create(x), manager.create(labels), centers));
        }
        try (NDArray g = centers.getGradient()) {
            grad = g.toFloatArray();
        }
        int d = c[0].length;
        for (int j = 0; j < c.length; j++) {
            for (int k = 0; k < d; k++) {
                double expected = 0;
                for (int i = 0; i < x.length; i++) {
                    if (labels[i] == j) {
                        expected += (c[j][k] - x[i][k]) / x.length;
                    }
                }
                assertEquals(expected, grad[j * d + k], 1e-6, "gradient [" + j + "][" + k + "]");
            }
        }
        // and the same through finite differences in float64
        NDArray e64 = ParameterGradientCheck.embeddings64(manager);
        NDArray l = manager.create(labels);
        ParameterGradientCheck.check(manager, c, p -> CenterLoss.builder().build().compute(e64, l, p), 1e-6);
    }

    @Test
    void badInputIsNamed() {
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        NDArray centers = Golden.matrix(manager, Golden.get("centers_C_by_D"));
        assertEquals("Label 12 is outside the 8 classes of CenterLoss's centres: labels must lie in [0, 8).",
                assertThrows(IllegalArgumentException.class,
                        () -> CenterLoss.builder().build().compute(e, LossGoldenCheck.labels(manager).add(5), centers)).getMessage());
        assertEquals("CenterLoss's centres got 32 embeddings but 31 labels.",
                assertThrows(IllegalArgumentException.class,
                        () -> CenterLoss.builder().build().compute(e, LossGoldenCheck.labels(manager).get(":31"), centers)).getMessage());
        assertEquals("CenterLoss expects centres of shape (classes, 8) for embeddings of size 8, got (8, 4).",
                assertThrows(IllegalArgumentException.class,
                        () -> CenterLoss.builder().build().compute(e, LossGoldenCheck.labels(manager), centers.get(":, :4"))).getMessage());
    }
}
