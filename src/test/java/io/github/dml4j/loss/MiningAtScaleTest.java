package io.github.dml4j.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.miner.BatchHardMiner;
import io.github.dml4j.miner.TripletMarginMiner;
import io.github.dml4j.miner.Triplets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mining and the triplet loss on a 512 x 64 batch (32 classes x 16): semi-hard mining finds
 * about 1.7 million triplets there, and must do so without a (B, B, B) tensor.
 */
class MiningAtScaleTest {

    private static final int BATCH = 512;
    private static final int DIM = 64;
    private static final int PER_CLASS = 16;
    private static final float MARGIN = 0.2f;

    private NDManager manager;
    private NDArray embeddings;
    private NDArray labels;
    private int[] l;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        Random random = new Random(0);
        float[] values = new float[BATCH * DIM];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        embeddings = manager.create(values, new Shape(BATCH, DIM));
        l = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            l[i] = i / PER_CLASS;
        }
        labels = manager.create(l);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void semihardAndBatchHardMiningAt512() {
        Triplets hard = BatchHardMiner.builder().build().mine(embeddings, labels);
        assertEquals(BATCH, hard.size());

        Triplets semihard = TripletMarginMiner.builder().optMargin(MARGIN).optType(TripletMarginMiner.Type.SEMIHARD).build()
                .mine(embeddings, labels);
        assertTrue(semihard.size() > 1_000_000, "semi-hard triplets: " + semihard.size());
        float[] d = LpDistance.normalized().pairwise(embeddings, embeddings).toFloatArray();
        long[] a = semihard.anchor().toLongArray();
        long[] p = semihard.positive().toLongArray();
        long[] n = semihard.negative().toLongArray();
        for (int i = 0; i < a.length; i++) {
            int ai = (int) a[i];
            assertTrue(ai != p[i] && l[ai] == l[(int) p[i]] && l[ai] != l[(int) n[i]], "invalid triplet " + i);
            float ap = d[ai * BATCH + (int) p[i]];
            float an = d[ai * BATCH + (int) n[i]];
            assertTrue(an > ap - 1e-6f && an <= ap + MARGIN + 1e-6f, "not semi-hard: triplet " + i);
        }
    }

    @Test
    void tripletLossBackwardOnBatchHardTripletsAt512() {
        assertFiniteNonZeroGradient(BatchHardMiner.builder().build());
    }

    @Test
    void tripletLossBackwardOnSemihardTripletsAt512() {
        assertFiniteNonZeroGradient(TripletMarginMiner.builder().optMargin(MARGIN).optType(TripletMarginMiner.Type.SEMIHARD).build());
    }

    private void assertFiniteNonZeroGradient(io.github.dml4j.miner.Miner<Triplets> miner) {
        embeddings.setRequiresGradient(true);
        Triplets t = miner.mine(embeddings, labels);
        float value;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = TripletMarginLoss.builder().optMargin(MARGIN).build().compute(embeddings, labels, t);
            gc.backward(loss);
            value = loss.getFloat();
        }
        NDArray grad = embeddings.getGradient();
        assertTrue(value > 0f && Float.isFinite(value), "loss " + value);
        assertTrue(grad.isNaN().logicalOr(grad.isInfinite()).logicalNot().all().getBoolean(), "non-finite gradient");
        assertTrue(grad.abs().sum().getFloat() > 0f, "zero gradient");
    }
}
