package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.Golden;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxyAnchorLossGoldenTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** The loss with the reference's (8, 8) proxies as its own, in {@code dataType}. */
    private ProxyAnchorLoss withReferenceProxies(ProxyAnchorLoss.Builder builder, DataType dataType) {
        ProxyAnchorLoss loss = builder.setNumClasses(8).build();
        return ParameterGradientCheck.withValues(manager, loss, loss.getProxies(), 8, dataType,
                Golden.floats(Golden.get("proxies_C_by_D")));
    }

    @Test
    void matchesTheReference() {
        ProxyAnchorLoss loss = withReferenceProxies(ProxyAnchorLoss.builder(), DataType.FLOAT32);
        assertEquals(10f, loss.getLearningRateMultiplier());
        LossGoldenCheck.check(manager, "proxy_anchor_m0.1_a32", e -> loss.compute(e, LossGoldenCheck.labels(manager)), 1e-4);
    }

    @Test
    void matchesAPlainLoopWhenSomeClassesAreAbsent() {
        double[][] e = PlainLosses.toDouble(Golden.floats(Golden.get("batch", "embeddings")));
        double[][] p = PlainLosses.toDouble(Golden.floats(Golden.get("proxies_C_by_D")));
        int[] labels = Golden.ints(Golden.get("batch", "labels"));
        for (int i = 0; i < labels.length; i++) {
            labels[i] = labels[i] % 5; // classes 5..7 have no example: their positive term is left out
        }
        NDArray ee = Golden.matrix(manager, Golden.get("batch", "embeddings")).toType(DataType.FLOAT64, false);
        ProxyAnchorLoss loss = withReferenceProxies(ProxyAnchorLoss.builder().optMargin(0.2f).optAlpha(16f), DataType.FLOAT64);
        double value = loss.compute(ee, manager.create(labels)).getDouble();
        assertEquals(PlainLosses.proxyAnchor(e, labels, p, 0.2f, 16), value, 1e-9);
    }

    @Test
    void proxyGradientsMatchFiniteDifferences() {
        NDArray e = ParameterGradientCheck.embeddings64(manager);
        NDArray labels = LossGoldenCheck.labels(manager);
        ProxyAnchorLoss loss = withReferenceProxies(ProxyAnchorLoss.builder(), DataType.FLOAT64);
        ParameterGradientCheck.check(loss.getProxies(), () -> loss.compute(e, labels), 1e-5);
    }

    @Test
    void staysFiniteWhereANaiveSumOfExponentialsOverflows() {
        // alpha 200: exp(200 * 1.1) overflows even float64's range; the shifted log-sum-exp does not
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        float value = withReferenceProxies(ProxyAnchorLoss.builder().optAlpha(200f), DataType.FLOAT32)
                .compute(e, LossGoldenCheck.labels(manager)).getFloat();
        assertTrue(Float.isFinite(value) && value > 0, "loss " + value);
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("The alpha of ProxyAnchorLoss must be a finite number > 0, got -1.0.",
                assertThrows(IllegalArgumentException.class,
                        () -> ProxyAnchorLoss.builder().setNumClasses(8).optAlpha(-1f).build()).getMessage());
        assertEquals("ProxyAnchorLoss needs at least 2 classes: call setNumClasses(...), got 0.",
                assertThrows(IllegalArgumentException.class, () -> ProxyAnchorLoss.builder().build()).getMessage());
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        ProxyAnchorLoss loss = withReferenceProxies(ProxyAnchorLoss.builder(), DataType.FLOAT32);
        assertEquals("Label 8 is outside the 8 classes of ProxyAnchorLoss: labels must lie in [0, 8). Build the loss with"
                        + " setNumClasses(...) covering every training label, or remap the labels.",
                assertThrows(IllegalArgumentException.class,
                        () -> loss.compute(e, LossGoldenCheck.labels(manager).add(1))).getMessage());
        assertEquals("ProxyAnchorLoss scores class labels, not pairs or triplets: train it on class batches without a miner.",
                assertThrows(IllegalArgumentException.class, () -> loss.compute(e, LossGoldenCheck.labels(manager),
                        io.github.dml4j.miner.BatchTuples.allPairs(LossGoldenCheck.labels(manager)))).getMessage());
    }
}
