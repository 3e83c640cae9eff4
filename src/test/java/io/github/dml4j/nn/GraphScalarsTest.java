package io.github.dml4j.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The gradients through {@link GraphScalars} survive a garbage collection between the forward
 * and the backward pass: the collection frees the direct buffers of closed arrays, and the memory
 * is then refilled with another number (as any later allocation may). Through DJL's
 * {@code x.mul(2.5f)} the backward read that freed number (here 7 instead of 2.5).
 */
class GraphScalarsTest {

    private static float[] gradient(BiFunction<NDArray, Float, NDArray> op, float value, float[] input) {
        try (NDManager manager = NDManager.newBaseManager();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray x = manager.create(input);
            x.setRequiresGradient(true);
            NDArray y = op.apply(x, value).sum();
            collectAndOverwriteFreedBuffers();
            collector.backward(y);
            return x.getGradient().toFloatArray();
        }
    }

    /** Lets the collector free unreachable direct buffers, then allocates small ones holding 7. */
    private static void collectAndOverwriteFreedBuffers() {
        List<ByteBuffer> kept = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                b.putFloat(0, 7f);
                kept.add(b);
            }
        }
    }

    @Test
    void mulAndDivKeepTheirNumberForTheBackward() {
        assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, gradient(GraphScalars::mul, 2.5f, new float[] {1, -2, 3}));
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, gradient(GraphScalars::div, 2f, new float[] {1, -2, 3}));
    }

    @Test
    void maximumAndMinimumKeepTheirNumberForTheBackward() {
        // gradient 1 where x is the larger (maximum) or smaller (minimum), 0 where the number is
        assertArrayEquals(new float[] {0, 1, 0, 1}, gradient(GraphScalars::maximum, 0.5f, new float[] {-1, 2, 0.25f, 3}));
        assertArrayEquals(new float[] {1, 0, 1, 0}, gradient(GraphScalars::minimum, 0.5f, new float[] {-1, 2, 0.25f, 3}));
    }
}
