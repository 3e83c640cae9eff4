package io.github.dml4j.data;

import ai.djl.ndarray.NDManager;

import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed set of named daemon threads that bring the images of {@link DecodingBatch}es into
 * their byte arrays, one task per image, so that the images of one batch are decoded in parallel.
 * Each thread owns one {@link NDManager} for its whole life (engine work such as
 * {@link ImagePreprocessing#apply} needs one, and a manager is not to be shared between threads);
 * it is closed when the pool is.
 *
 * <p>Work that a caller is waiting for ({@link Priority#NOW}) runs before work asked for ahead of
 * time ({@link Priority#AHEAD}); within one priority, first come first served.
 */
final class DecoderPool implements AutoCloseable {

    /** How urgent a batch is. */
    enum Priority {
        /** A caller waits for it. */
        NOW,
        /** Asked for ahead of time (prefetch). */
        AHEAD
    }

    /** Brings one image into a batch's bytes. */
    @FunctionalInterface
    interface ImageJob {

        /**
         * @param index the image's source index
         * @param target the batch's bytes
         * @param offset where the image's bytes start in {@code target}
         * @param manager the calling thread's own manager, for temporary arrays
         * @throws Exception if the image cannot be read; the batch records it
         */
        void load(long index, byte[] target, int offset, NDManager manager) throws Exception;
    }

    private static final ThreadLocal<NDManager> MANAGER = new ThreadLocal<>();
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ThreadPoolExecutor executor;
    private final AtomicLong sequence = new AtomicLong();
    private final int threads;

    /**
     * Starts the threads, named {@code <name>-<pool number>-<thread number>}.
     *
     * @param threads number of threads, at least 1
     * @param name the threads' name prefix
     */
    DecoderPool(int threads, String name) {
        this.threads = threads;
        String prefix = name + "-" + POOLS.incrementAndGet() + "-";
        AtomicInteger count = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(),
                worker -> {
                    Thread t = new Thread(() -> {
                        try (NDManager manager = NDManager.newBaseManager()) {
                            MANAGER.set(manager);
                            worker.run();
                        } finally {
                            MANAGER.remove();
                        }
                    }, prefix + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.prestartAllCoreThreads();
    }

    /** The number of threads. */
    int threads() {
        return threads;
    }

    /**
     * Queues every image of {@code batch}; returns at once.
     *
     * @throws IllegalStateException if the pool is closed
     */
    void submit(DecodingBatch batch, ImageJob job, Priority priority) {
        long[] indices = batch.indices();
        try {
            for (int p = 0; p < indices.length; p++) {
                executor.execute(new Task(batch, p, job, priority, sequence.getAndIncrement()));
            }
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("The decoder threads are shut down: the image source was closed.", e);
        }
    }

    /** Stops the threads after the queued images; does not wait. */
    @Override
    public void close() {
        executor.shutdown();
    }

    /** Whether {@link #close()} was called. */
    boolean isClosed() {
        return executor.isShutdown();
    }

    /** One image of one batch. */
    private static final class Task implements Runnable, Comparable<Task> {
        private final DecodingBatch batch;
        private final int position;
        private final ImageJob job;
        private final Priority priority;
        private final long order;

        Task(DecodingBatch batch, int position, ImageJob job, Priority priority, long order) {
            this.batch = batch;
            this.position = position;
            this.job = job;
            this.priority = priority;
            this.order = order;
        }

        @Override
        public void run() {
            if (batch.isCancelled()) {
                batch.finish(position, null);
                return;
            }
            Exception error = null;
            try {
                job.load(batch.indices()[position], batch.bytes(), position * batch.imageBytes(), MANAGER.get());
            } catch (Exception e) {
                error = e;
            } catch (Error e) {
                batch.finish(position, new IllegalStateException(e.toString(), e));
                throw e;
            }
            batch.finish(position, error);
        }

        @Override
        public int compareTo(Task o) {
            int c = priority.compareTo(o.priority);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }
}
