package io.github.dml4j.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.github.dml4j.miner.PairMarginMiner;
import org.junit.jupiter.api.Test;

import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * With two engine threads the gradient of a pair or triplet loss is the same bit for bit on
 * every evaluation: the losses read embedding rows with {@code gather}, whose backward adds in a
 * fixed order, not with an advanced index, whose CPU backward adds repeated rows with atomic
 * float additions in a varying order once it has 32768 elements or more.
 */
class TwoThreadReproducibilityTest {

    private static final int REPEATS = 12;

    @Test
    void contrastiveGradientIsTheSameOnEveryEvaluation() {
        PairMarginMiner miner = PairMarginMiner.builder().build();
        ContrastiveLoss loss = ContrastiveLoss.builder().build();
        check((e, l) -> loss.compute(e, l, miner.mine(e, l)));
        check((e, l) -> loss.compute(e, l, null));
    }

    @Test
    void tripletAndNtXentGradientsAreTheSameOnEveryEvaluation() {
        TripletMarginLoss triplet = TripletMarginLoss.builder().optReduction(Reduction.SUM).build();
        check((e, l) -> triplet.compute(e, l, null));
        NTXentLoss ntXent = NTXentLoss.builder().build();
        check((e, l) -> ntXent.compute(e, l, null));
    }

    private static void check(BiFunction<NDArray, NDArray, NDArray> loss) {
        Engine.getInstance();
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(2);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            NDArray base = manager.randomNormal(new Shape(192, 64));
            NDArray labels = manager.arange(0, 192, 1, DataType.INT64).mod(24);
            float[] first = null;
            for (int r = 0; r < REPEATS; r++) {
                try (NDManager m = manager.newSubManager()) {
                    NDArray e = base.duplicate();
                    e.attach(m);
                    e.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(loss.apply(e, labels));
                    }
                    float[] g = e.getGradient().toFloatArray();
                    if (first == null) {
                        first = g;
                    } else {
                        assertArrayEquals(first, g, 0f, "evaluation " + (r + 1) + " differs from the first");
                    }
                }
            }
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }
}
