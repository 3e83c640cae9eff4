package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.Golden;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.miner.Pairs;
import io.github.dml4j.miner.Triplets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NT-Xent and supervised contrastive losses against pytorch-metric-learning and plain loops. */
class NTXentSupConGoldenTest {

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
    void ntxentMatchesReference() {
        NTXentLoss loss = NTXentLoss.builder().optTemperature(0.07f).build();
        LossGoldenCheck.check(manager, "ntxent_t0.07", e -> loss.compute(e, LossGoldenCheck.labels(manager), null), 1e-4);
    }

    @Test
    void supconMatchesReference() {
        SupConLoss loss = SupConLoss.builder().optTemperature(0.1f).build();
        LossGoldenCheck.check(manager, "supcon_t0.1", e -> loss.compute(e, LossGoldenCheck.labels(manager), null), 1e-4);
    }

    @Test
    void ntxentMatchesAPlainLoop() {
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        int[] l = Golden.ints(Golden.get("batch", "labels"));
        float[][] s = Golden.floats(Golden.get("distance_matrices", "cosine"));
        double t = 0.5;
        double total = 0;
        int pairs = 0;
        for (int a = 0; a < l.length; a++) {
            for (int p = 0; p < l.length; p++) {
                if (p == a || l[p] != l[a]) {
                    continue;
                }
                double denominator = Math.exp(s[a][p] / t);
                for (int n = 0; n < l.length; n++) {
                    if (l[n] != l[a]) {
                        denominator += Math.exp(s[a][n] / t);
                    }
                }
                total += -Math.log(Math.exp(s[a][p] / t) / denominator);
                pairs++;
            }
        }
        float value = NTXentLoss.builder().optTemperature(0.5f).build().compute(e, manager.create(l), null).getFloat();
        assertEquals(total / pairs, value, 1e-5 * total / pairs);
    }

    @Test
    void supconMatchesAPlainLoop() {
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        int[] l = Golden.ints(Golden.get("batch", "labels"));
        float[][] s = Golden.floats(Golden.get("distance_matrices", "cosine"));
        double t = 0.3;
        double total = 0;
        for (int a = 0; a < l.length; a++) {
            double denominator = 0;
            for (int j = 0; j < l.length; j++) {
                if (j != a) {
                    denominator += Math.exp(s[a][j] / t);
                }
            }
            double sum = 0;
            int count = 0;
            for (int p = 0; p < l.length; p++) {
                if (p != a && l[p] == l[a]) {
                    sum += Math.log(Math.exp(s[a][p] / t) / denominator);
                    count++;
                }
            }
            total += -sum / count;
        }
        float value = SupConLoss.builder().optTemperature(0.3f).build().compute(e, manager.create(l), null).getFloat();
        assertEquals(total / l.length, value, 1e-5 * total / l.length);
    }

    @Test
    void ntxentCountsARepeatedNegativeTwiceAsPml() {
        // triplets (0,1,2) and (0,1,2) again: PML converts them to pairs and sees each pair twice
        NDArray e = manager.create(new float[][] {{1, 0}, {0.8f, 0.6f}, {0, 1}});
        NDArray labels = manager.create(new int[] {0, 0, 1});
        Triplets twice = new Triplets(manager.create(new long[] {0, 0}), manager.create(new long[] {1, 1}),
                manager.create(new long[] {2, 2}));
        double t = 0.07;
        double sp = 0.8 / t;
        double sn = 0.0 / t;
        // two positive instances, each with the negative (0,2) listed twice
        double expected = -Math.log(Math.exp(sp) / (Math.exp(sp) + 2 * Math.exp(sn)));
        assertEquals(expected, NTXentLoss.builder().build().compute(e, labels, twice).getFloat(), 1e-5);
        Pairs once = new Pairs(manager.create(new long[] {0}), manager.create(new long[] {1}),
                manager.create(new long[] {0}), manager.create(new long[] {2}));
        double expectedOnce = -Math.log(Math.exp(sp) / (Math.exp(sp) + Math.exp(sn)));
        assertEquals(expectedOnce, NTXentLoss.builder().build().compute(e, labels, once).getFloat(), 1e-5);
    }

    @Test
    void extremeTemperaturesStayFinite() {
        NDArray e = manager.randomNormal(new Shape(16, 8));
        NDArray labels = manager.create(new int[] {0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3});
        assertTrue(Float.isFinite(NTXentLoss.builder().optTemperature(1e-3f).build().compute(e, labels, null).getFloat()));
        assertTrue(Float.isFinite(SupConLoss.builder().optTemperature(1e-3f).build().compute(e, labels, null).getFloat()));
    }

    @Test
    void distancesWorkThroughTheirNegation() {
        NDArray e = manager.randomNormal(new Shape(8, 4));
        NDArray labels = manager.create(new int[] {0, 0, 1, 1, 2, 2, 3, 3});
        LpDistance d = LpDistance.normalized();
        float[] dist = d.pairwise(e, e).toFloatArray();
        int[] l = {0, 0, 1, 1, 2, 2, 3, 3};
        double t = 0.2;
        double total = 0;
        int pairs = 0;
        for (int a = 0; a < 8; a++) {
            for (int p = 0; p < 8; p++) {
                if (p == a || l[p] != l[a]) {
                    continue;
                }
                double num = Math.exp(-dist[a * 8 + p] / t);
                double den = num;
                for (int n = 0; n < 8; n++) {
                    if (l[n] != l[a]) {
                        den += Math.exp(-dist[a * 8 + n] / t);
                    }
                }
                total -= Math.log(num / den);
                pairs++;
            }
        }
        float value = NTXentLoss.builder().optTemperature(0.2f).optDistance(d).build().compute(e, labels, null).getFloat();
        assertEquals(total / pairs, value, 1e-5 * total / pairs);
    }

    @Test
    void noPositiveGivesZero() {
        NDArray e = manager.randomNormal(new Shape(3, 4));
        NDArray singletons = manager.create(new int[] {0, 1, 2});
        assertEquals(0f, NTXentLoss.builder().build().compute(e, singletons, null).getFloat());
        assertEquals(0f, SupConLoss.builder().build().compute(e, singletons, null).getFloat());
    }

    @Test
    void buildersNameTheBadField() {
        assertEquals("The temperature of NTXentLoss must be a finite number > 0, got 0.0.",
                assertThrows(IllegalArgumentException.class, () -> NTXentLoss.builder().optTemperature(0f).build()).getMessage());
        assertEquals("The temperature of SupConLoss must be a finite number > 0, got -1.0.",
                assertThrows(IllegalArgumentException.class, () -> SupConLoss.builder().optTemperature(-1f).build()).getMessage());
        assertEquals("The reduction of SupConLoss must not be null.",
                assertThrows(IllegalArgumentException.class, () -> SupConLoss.builder().optReduction(null).build()).getMessage());
    }
}
