package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.Golden;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.miner.MultiSimilarityMiner;
import io.github.dml4j.miner.Pairs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultiSimilarityLossGoldenTest {

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
    void allPairsMatchReference() {
        MultiSimilarityLoss loss = MultiSimilarityLoss.builder().optAlpha(2f).optBeta(50f).optBase(0.5f).build();
        LossGoldenCheck.check(manager, "multi_similarity_a2_b50_base0.5",
                e -> loss.compute(e, LossGoldenCheck.labels(manager), null), 1e-4);
    }

    @Test
    void minedPairsMatchReference() {
        MultiSimilarityLoss loss = MultiSimilarityLoss.builder().build();
        MultiSimilarityMiner miner = MultiSimilarityMiner.builder().optEpsilon(0.1f).build();
        LossGoldenCheck.check(manager, "multi_similarity_a2_b50_base0.5_mined_eps0.1", e -> {
            NDArray labels = LossGoldenCheck.labels(manager);
            return loss.compute(e, labels, miner.mine(e, labels));
        }, 1e-4);
    }

    @Test
    void matchesAPlainLoop() {
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        int[] l = Golden.ints(Golden.get("batch", "labels"));
        float[][] s = Golden.floats(Golden.get("distance_matrices", "cosine"));
        double alpha = 1.5;
        double beta = 20;
        double base = 0.4;
        double total = 0;
        for (int i = 0; i < l.length; i++) {
            double pos = 0;
            double neg = 0;
            for (int j = 0; j < l.length; j++) {
                if (j != i && l[j] == l[i]) {
                    pos += Math.exp(-alpha * (s[i][j] - base));
                } else if (l[j] != l[i]) {
                    neg += Math.exp(beta * (s[i][j] - base));
                }
            }
            total += Math.log1p(pos) / alpha + Math.log1p(neg) / beta;
        }
        MultiSimilarityLoss loss = MultiSimilarityLoss.builder().optAlpha(1.5f).optBeta(20f).optBase(0.4f).build();
        float value = loss.compute(e, manager.create(l), null).getFloat();
        assertEquals(total / l.length, value, 1e-5 * Math.abs(total / l.length));
    }

    @Test
    void largeLogitsStayFinite() {
        // similarities of 1 with beta 1000: exp(500) overflows float32 unless computed stably
        NDArray e = manager.create(new float[][] {{1, 0}, {1, 0}, {1, 0}, {1, 0}});
        NDArray labels = manager.create(new int[] {0, 0, 1, 1});
        float value = MultiSimilarityLoss.builder().optBeta(1000f).build().compute(e, labels, null).getFloat();
        // each anchor: pos part (1/2) log(1 + exp(-1)), neg part (1/1000) log(1 + 2 exp(500)) ~ 0.5 + log(2)/1000
        double expected = 0.5 * Math.log1p(Math.exp(-1)) + (500 + Math.log(2 + Math.exp(-500))) / 1000;
        assertTrue(Float.isFinite(value));
        assertEquals(expected, value, 1e-5);
    }

    @Test
    void anchorsWithoutPairsContributeZero() {
        NDArray e = manager.randomNormal(new Shape(4, 3));
        NDArray labels = manager.create(new int[] {0, 0, 1, 2});
        // only anchor 0 has a mined pair; the mean still divides by the batch size, as PML's MeanReducer
        Pairs onlyOne = new Pairs(manager.create(new long[] {0}), manager.create(new long[] {1}),
                manager.create(new long[0]), manager.create(new long[0]));
        float s01 = new CosineSimilarity().paired(e.get("0:1"), e.get("1:2")).getFloat();
        double expected = Math.log1p(Math.exp(-2 * (s01 - 0.5))) / 2 / 4;
        assertEquals(expected, MultiSimilarityLoss.builder().build().compute(e, labels, onlyOne).getFloat(), 1e-6);
    }

    @Test
    void noPairGivesZero() {
        NDArray e = manager.randomNormal(new Shape(3, 4));
        assertEquals(0f, MultiSimilarityLoss.builder().build().compute(e, manager.create(new int[] {0, 1, 2}),
                new Pairs(manager.create(new long[0]), manager.create(new long[0]), manager.create(new long[0]),
                        manager.create(new long[0]))).getFloat());
    }

    @Test
    void buildersNameTheBadField() {
        assertEquals("The alpha of MultiSimilarityLoss must be a finite number > 0, got 0.0.",
                assertThrows(IllegalArgumentException.class, () -> MultiSimilarityLoss.builder().optAlpha(0f).build()).getMessage());
        assertEquals("The beta of MultiSimilarityLoss must be a finite number > 0, got NaN.",
                assertThrows(IllegalArgumentException.class, () -> MultiSimilarityLoss.builder().optBeta(Float.NaN).build()).getMessage());
        assertEquals("The base of MultiSimilarityLoss must be a finite number, got Infinity.",
                assertThrows(IllegalArgumentException.class,
                        () -> MultiSimilarityLoss.builder().optBase(Float.POSITIVE_INFINITY).build()).getMessage());
        assertEquals("The distance of MultiSimilarityLoss must not be null.",
                assertThrows(IllegalArgumentException.class, () -> MultiSimilarityLoss.builder().optDistance(null).build()).getMessage());
        assertFalse(MultiSimilarityLoss.builder().build().toString().isEmpty());
    }
}
