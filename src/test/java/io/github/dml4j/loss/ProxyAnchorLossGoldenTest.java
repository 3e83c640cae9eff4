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

    @Test
    void matchesTheReference() {
        ProxyAnchorLoss loss = ProxyAnchorLoss.builder().build();
        NDArray proxies = Golden.matrix(manager, Golden.get("proxies_C_by_D"));
        LossGoldenCheck.check(manager, "proxy_anchor_m0.1_a32", e -> loss.compute(e, LossGoldenCheck.labels(manager), proxies), 1e-4);
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
        NDArray pp = Golden.matrix(manager, Golden.get("proxies_C_by_D")).toType(DataType.FLOAT64, false);
        double value = ProxyAnchorLoss.builder().optMargin(0.2f).optAlpha(16f).build().compute(ee, manager.create(labels), pp).getDouble();
        assertEquals(PlainLosses.proxyAnchor(e, labels, p, 0.2f, 16), value, 1e-9);
    }

    @Test
    void proxyGradientsMatchFiniteDifferences() {
        NDArray e = ParameterGradientCheck.embeddings64(manager);
        NDArray labels = LossGoldenCheck.labels(manager);
        ProxyAnchorLoss loss = ProxyAnchorLoss.builder().build();
        ParameterGradientCheck.check(manager, Golden.floats(Golden.get("proxies_C_by_D")), p -> loss.compute(e, labels, p), 1e-5);
    }

    @Test
    void staysFiniteWhereANaiveSumOfExponentialsOverflows() {
        // alpha 200: exp(200 * 1.1) overflows even float64's range; the shifted log-sum-exp does not
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        NDArray proxies = Golden.matrix(manager, Golden.get("proxies_C_by_D"));
        float value = ProxyAnchorLoss.builder().optAlpha(200f).build().compute(e, LossGoldenCheck.labels(manager), proxies).getFloat();
        assertTrue(Float.isFinite(value) && value > 0, "loss " + value);
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("The alpha of ProxyAnchorLoss must be a finite number > 0, got -1.0.",
                assertThrows(IllegalArgumentException.class, () -> ProxyAnchorLoss.builder().optAlpha(-1f).build()).getMessage());
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        NDArray proxies = Golden.matrix(manager, Golden.get("proxies_C_by_D"));
        assertEquals("Label 8 is outside the 8 classes of ProxyAnchorLoss's proxies: labels must lie in [0, 8).",
                assertThrows(IllegalArgumentException.class,
                        () -> ProxyAnchorLoss.builder().build().compute(e, LossGoldenCheck.labels(manager).add(1), proxies)).getMessage());
    }
}
