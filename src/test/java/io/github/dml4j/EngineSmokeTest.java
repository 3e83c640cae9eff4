package io.github.dml4j;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EngineSmokeTest {
    @Test
    void pytorchEngineRunsOffline() {
        assertEquals("PyTorch", Engine.getInstance().getEngineName());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1, 2, 3});
            assertEquals(14f, a.mul(a).sum().getFloat(), 1e-6);
        }
    }
}
