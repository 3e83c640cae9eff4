package io.github.dml4j.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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

    /** A center loss over 8 classes whose centres are the reference's, in {@code dataType}. */
    private CenterLoss withReferenceCentres(CenterLoss.Builder builder, DataType dataType) {
        CenterLoss loss = builder.setNumClasses(8).build();
        return ParameterGradientCheck.withValues(manager, loss, loss.getCenters(), 8, dataType,
                Golden.floats(Golden.get("centers_C_by_D")));
    }

    @Test
    void matchesTheReference() {
        CenterLoss loss = withReferenceCentres(CenterLoss.builder(), DataType.FLOAT32);
        LossGoldenCheck.check(manager, "center_loss_half_mean_sq", e -> loss.compute(e, LossGoldenCheck.labels(manager)), 1e-4);
    }

    @Test
    void matchesAPlainLoopAndSumIsBatchTimesMean() {
        double[][] e = PlainLosses.toDouble(Golden.floats(Golden.get("batch", "embeddings")));
        double[][] c = PlainLosses.toDouble(Golden.floats(Golden.get("centers_C_by_D")));
        int[] labels = Golden.ints(Golden.get("batch", "labels"));
        NDArray ee = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        NDArray l = manager.create(labels);
        double plain = PlainLosses.center(e, labels, c);
        CenterLoss mean = withReferenceCentres(CenterLoss.builder(), DataType.FLOAT32);
        assertEquals(plain, mean.compute(ee, l).getFloat(), 1e-6 * plain);
        CenterLoss sum = withReferenceCentres(CenterLoss.builder().optReduction(Reduction.SUM), DataType.FLOAT32);
        assertEquals(32 * plain, sum.compute(ee, l).getFloat(), 1e-6 * 32 * plain);
        // as a block, its inputs are (embeddings, labels)
        NDList out = mean.forward(new ai.djl.training.ParameterStore(manager, false), new NDList(ee, l), false);
        assertEquals(plain, out.singletonOrThrow().getFloat(), 1e-6 * plain);
        // the static helpers compute the same from the centres' values
        NDArray own = CenterLoss.ownCenters(l, mean.getCenters().getArray());
        assertEquals(plain, mean.computeFromOwnCenters(ee, own).getFloat(), 1e-6 * plain);
    }

    @Test
    void centreGradientIsTheClosedForm() {
        // dL/dc_j = 1/B * sum_{i: y_i = j} (c_j - x_i)
        float[][] x = Golden.floats(Golden.get("batch", "embeddings"));
        float[][] c = Golden.floats(Golden.get("centers_C_by_D"));
        int[] labels = Golden.ints(Golden.get("batch", "labels"));
        CenterLoss loss = withReferenceCentres(CenterLoss.builder(), DataType.FLOAT32);
        NDArray centers = loss.getCenters().getArray();
        // Wen et al.'s centres take no gradient in training; asked for one, they get the closed form
        centers.setRequiresGradient(true);
        float[] grad;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(loss.compute(manager.create(x), manager.create(labels)));
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
        CenterLoss loss64 = withReferenceCentres(CenterLoss.builder(), DataType.FLOAT64);
        ParameterGradientCheck.check(loss64.getCenters(), () -> loss64.compute(e64, l), 1e-6);
    }

    @Test
    void badInputIsNamed() {
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        CenterLoss loss = withReferenceCentres(CenterLoss.builder(), DataType.FLOAT32);
        assertEquals("Label 12 is outside the 8 classes of CenterLoss: labels must lie in [0, 8). Build the loss with"
                        + " setNumClasses(...) covering every training label, or remap the labels.",
                assertThrows(IllegalArgumentException.class,
                        () -> loss.compute(e, LossGoldenCheck.labels(manager).add(5))).getMessage());
        assertEquals("CenterLoss got 32 embeddings but 31 labels.",
                assertThrows(IllegalArgumentException.class,
                        () -> loss.compute(e, LossGoldenCheck.labels(manager).get(":31"))).getMessage());
        assertEquals("CenterLoss was initialized for embeddings of size 8 but got embeddings of size 4.",
                assertThrows(IllegalArgumentException.class,
                        () -> loss.compute(e.get(":, :4"), LossGoldenCheck.labels(manager))).getMessage());
        assertEquals("CenterLoss is not initialized: train it in a MetricHead, or call initialize(manager, embeddingSize)"
                        + " before computing it directly.",
                assertThrows(IllegalStateException.class, () -> CenterLoss.builder().setNumClasses(8).build()
                        .compute(e, LossGoldenCheck.labels(manager))).getMessage());
    }
}
