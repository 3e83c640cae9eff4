package io.github.dml4j.examples;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The engine's intra-op threads, an engine setting rather than a library one: {@code examples/run}
 * passes {@code -Dai.djl.pytorch.num_threads} (DML4J_THREADS, default 2); an example's
 * {@code --threads} option changes it here.
 */
final class EngineThreads {

    private EngineThreads() {}

    /** Sets the PyTorch engine's intra-op threads; 0 or less leaves them as they are. */
    static void set(int threads) {
        if (threads > 0) {
            Engine.getInstance();
            JniUtils.setNumThreads(threads);
        }
    }

    /** The PyTorch engine's intra-op threads. */
    static int get() {
        Engine.getInstance();
        return JniUtils.getNumThreads();
    }
}
