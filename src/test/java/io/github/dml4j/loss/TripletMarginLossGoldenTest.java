package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import io.github.dml4j.Golden;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.miner.BatchHardMiner;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.TripletMarginMiner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TripletMarginLossGoldenTest {

    private NDManager manager;
    private NDArray embeddings;
    private NDArray labels;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        embeddings = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        labels = manager.create(Golden.ints(Golden.get("batch", "labels")));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private void check(String key, TripletMarginLoss loss, MinedTuples tuples) {
        embeddings.setRequiresGradient(true);
        float value;
        float[] grad;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.compute(embeddings, labels, tuples);
            gc.backward(l);
            value = l.getFloat();
            grad = embeddings.getGradient().toFloatArray();
        }
        float expected = Golden.get("losses", key, "value").getAsFloat();
        assertEquals(expected, value, 1e-5, key);
        float[] expectedGrad = Golden.matrix(manager, Golden.get("losses", key, "grad")).toFloatArray();
        assertArrayEquals(expectedGrad, grad, 1e-5f, key + " gradient");
    }

    @Test
    void allTriplets() {
        check("triplet_margin0.2_all", TripletMarginLoss.builder().optMargin(0.2f).build(), null);
    }

    @Test
    void allTripletsOnRawEuclidean() {
        check("triplet_margin0.2_all_raw_l2",
                TripletMarginLoss.builder().optMargin(0.2f).optDistance(LpDistance.raw()).build(), null);
    }

    @Test
    void semihardMined() {
        MinedTuples t = TripletMarginMiner.builder().optType(TripletMarginMiner.Type.SEMIHARD).optMargin(0.2f).build()
                .mine(embeddings, labels);
        check("triplet_margin0.2_semihard_mined", TripletMarginLoss.builder().optMargin(0.2f).build(), t);
    }

    @Test
    void batchHardMined() {
        MinedTuples t = BatchHardMiner.builder().build().mine(embeddings, labels);
        check("triplet_margin0.2_batch_hard_mined", TripletMarginLoss.builder().optMargin(0.2f).build(), t);
    }

    @Test
    void matchesAPlainLoop() {
        int[] l = Golden.ints(Golden.get("batch", "labels"));
        NDArray d = LpDistance.normalized().pairwise(embeddings, embeddings);
        float[] flat = d.toFloatArray();
        int b = l.length;
        double sum = 0;
        int positive = 0;
        for (int a = 0; a < b; a++) {
            for (int p = 0; p < b; p++) {
                for (int n = 0; n < b; n++) {
                    if (a != p && l[a] == l[p] && l[a] != l[n]) {
                        double v = Math.max(0, flat[a * b + p] - flat[a * b + n] + 0.2);
                        sum += v;
                        positive += v > 0 ? 1 : 0;
                    }
                }
            }
        }
        float value = TripletMarginLoss.builder().build().compute(embeddings, labels, null).getFloat();
        assertEquals(sum / positive, value, 1e-5);
        float total = TripletMarginLoss.builder().optReduction(Reduction.SUM).build().compute(embeddings, labels, null).getFloat();
        assertEquals(sum, total, 1e-3);
    }

    @Test
    void noTripletGivesZeroLoss() {
        NDArray singletons = manager.create(new int[] {0, 1, 2, 3});
        NDArray e = manager.randomNormal(new ai.djl.ndarray.types.Shape(4, 3));
        assertEquals(0f, TripletMarginLoss.builder().build().compute(e, singletons, null).getFloat());
    }
}
