package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.distance.LpDistance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ContrastiveLossGoldenTest {

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
    void allPairs() {
        ContrastiveLoss loss = ContrastiveLoss.builder().optPosMargin(0f).optNegMargin(1f).build();
        LossGoldenCheck.check(manager, "contrastive_pos0_neg1_all", e -> loss.compute(e, LossGoldenCheck.labels(manager), null), 1e-4);
    }

    @Test
    void allPairsOnRawEuclidean() {
        ContrastiveLoss loss = ContrastiveLoss.builder().optDistance(LpDistance.raw()).build();
        LossGoldenCheck.check(manager, "contrastive_pos0_neg1_all_raw_l2", e -> loss.compute(e, LossGoldenCheck.labels(manager), null), 1e-4);
    }

    @Test
    void explicitPairsMatchAPlainLoop() {
        NDArray a = manager.create(new float[][] {{1, 0}, {0, 1}, {1, 1}, {3, 0}});
        NDArray b = manager.create(new float[][] {{1, 0.5f}, {0, 0.2f}, {1.2f, 1}, {3, 0.1f}});
        NDArray same = manager.create(new boolean[] {true, false, true, false});
        ContrastiveLoss loss = ContrastiveLoss.builder().optDistance(LpDistance.raw()).optPosMargin(0.1f).optNegMargin(1f).build();
        // positives: d = 0.5, 0.2 -> relu(d - 0.1) = 0.4, 0.1 -> mean 0.25
        // negatives: d = 0.8, 0.1 -> relu(1 - d) = 0.2, 0.9 -> mean 0.55
        assertEquals(0.8f, loss.computeForPairs(a, b, same).getFloat(), 1e-6f);
    }

    @Test
    void explicitPairsCheckTheirShapes() {
        NDArray a = manager.zeros(new ai.djl.ndarray.types.Shape(3, 2));
        NDArray b = manager.zeros(new ai.djl.ndarray.types.Shape(3, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContrastiveLoss.builder().build().computeForPairs(a, b, manager.create(new boolean[] {true, false})));
        assertEquals("ContrastiveLoss got 3 pairs but 2 same/different labels.", e.getMessage());
    }
}
