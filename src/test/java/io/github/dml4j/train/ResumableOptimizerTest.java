package io.github.dml4j.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResumableOptimizerTest {

    private static final int STEPS = 6;

    /** Runs {@code optimizer} over the same gradients on two parameters and returns the weights, flattened. */
    private static float[] run(Optimizer optimizer, NDManager manager, int steps, long seed) {
        Random random = new Random(seed);
        NDArray a = manager.create(new float[] {1f, -2f, 0.5f, 3f});
        NDArray b = manager.create(new float[] {0.25f, -0.75f});
        a.setRequiresGradient(true);
        b.setRequiresGradient(true);
        for (int s = 0; s < steps; s++) {
            optimizer.update("a", a, manager.create(gradient(random, 4)));
            optimizer.update("b", b, manager.create(gradient(random, 2)));
        }
        float[] wa = a.toFloatArray();
        float[] wb = b.toFloatArray();
        float[] all = new float[wa.length + wb.length];
        System.arraycopy(wa, 0, all, 0, wa.length);
        System.arraycopy(wb, 0, all, wa.length, wb.length);
        return all;
    }

    private static float[] gradient(Random random, int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) random.nextGaussian();
        }
        return g;
    }

    @Test
    void adamAdamWAndSgdStepBitForBitAsDjlsOwn() {
        Map<String, Supplier<Optimizer[]>> pairs = Map.of(
                "adam", () -> new Optimizer[] {
                        Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).optWeightDecays(1e-2f).build(),
                        ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(0.01f)).optWeightDecays(1e-2f).build()},
                "adamw", () -> new Optimizer[] {
                        Optimizer.adamW().optLearningRateTracker(Tracker.fixed(0.01f)).optWeightDecays(5e-2f).build(),
                        ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(0.01f)).optWeightDecays(5e-2f)
                                .optDecoupledWeightDecay(true).build()},
                "sgd", () -> new Optimizer[] {
                        Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).optWeightDecays(1e-3f)
                                .build(),
                        ResumableSgd.builder().optLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f)
                                .optWeightDecays(1e-3f).build()});
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Map.Entry<String, Supplier<Optimizer[]>> e : pairs.entrySet()) {
                Optimizer[] two = e.getValue().get();
                assertArrayEquals(run(two[0], manager, STEPS, 7), run(two[1], manager, STEPS, 7), e.getKey());
            }
        }
    }

    @Test
    void adamWDecaysTheWeightsApartFromTheGradient() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] coupled = run(ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(0.01f))
                    .optWeightDecays(0.5f).build(), manager, STEPS, 3);
            float[] decoupled = run(ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(0.01f))
                    .optWeightDecays(0.5f).optDecoupledWeightDecay(true).build(), manager, STEPS, 3);
            assertFalse(java.util.Arrays.equals(coupled, decoupled));
            // a zero gradient leaves Adam's step at 0 once the moments are 0: AdamW alone shrinks the weight by lr * wd
            ResumableAdam adamW = ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(0.1f)).optWeightDecays(0.5f)
                    .optDecoupledWeightDecay(true).build();
            NDArray w = manager.create(new float[] {2f, -4f});
            w.setRequiresGradient(true);
            adamW.update("w", w, manager.zeros(w.getShape()));
            assertArrayEquals(new float[] {2f * (1 - 0.05f), -4f * (1 - 0.05f)}, w.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void stateWrittenAndReadContinuesBitForBit() throws IOException {
        for (Supplier<ResumableOptimizer> make : java.util.List.<Supplier<ResumableOptimizer>>of(
                () -> ResumableAdam.builder().optLearningRateTracker(Tracker.fixed(0.01f)).build(),
                () -> ResumableSgd.builder().optLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).build(),
                () -> RmsProp.builder().optLearningRateTracker(Tracker.fixed(0.01f)).build())) {
            try (NDManager manager = NDManager.newBaseManager()) {
                // uninterrupted: the same gradients, 2 x STEPS updates
                ResumableOptimizer whole = make.get();
                NDArray w1 = manager.create(new float[] {1f, -2f, 0.5f});
                w1.setRequiresGradient(true);
                ResumableOptimizer first = make.get();
                NDArray w2 = manager.create(new float[] {1f, -2f, 0.5f});
                w2.setRequiresGradient(true);
                Random r1 = new Random(11);
                Random r2 = new Random(11);
                for (int s = 0; s < STEPS; s++) {
                    whole.update("w", w1, manager.create(gradient(r1, 3)));
                    first.update("w", w2, manager.create(gradient(r2, 3)));
                }
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                first.writeState(new DataOutputStream(bytes));
                ResumableOptimizer second = make.get();
                second.readState(manager, Device.cpu(), new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
                assertEquals(first.updateCounts(), second.updateCounts());
                for (int s = 0; s < STEPS; s++) {
                    whole.update("w", w1, manager.create(gradient(r1, 3)));
                    second.update("w", w2, manager.create(gradient(r2, 3)));
                }
                assertArrayEquals(w1.toFloatArray(), w2.toFloatArray(), second.toString());
                assertEquals(2 * STEPS, second.updateCounts().get("w"));
            }
        }
    }

    @Test
    void stateOfAnotherOptimizerIsRefusedNamingBoth() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            ResumableOptimizer sgd = ResumableSgd.builder().build();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            sgd.writeState(new DataOutputStream(bytes));
            IOException e = assertThrows(IOException.class, () -> ResumableAdam.builder().build().readState(manager,
                    Device.cpu(), new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))));
            assertTrue(e.getMessage().contains("ResumableSgd") && e.getMessage().contains("ResumableAdam"), e.getMessage());
        }
    }
}
