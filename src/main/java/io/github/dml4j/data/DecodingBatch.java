package io.github.dml4j.data;

import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;

/**
 * One batch of images being brought into one byte array, image by image, by a
 * {@link DecoderPool}: image {@code p} of the batch (source index {@code indices[p]}) fills bytes
 * {@code [p * imageBytes, (p + 1) * imageBytes)}. Each image is finished exactly once, with or
 * without an error; {@link #await()} returns when all are. A cancelled batch skips the images
 * not started yet.
 */
final class DecodingBatch {

    private final long[] indices;
    private final int imageBytes;
    private final byte[] bytes;
    private final Exception[] errors;
    private final CountDownLatch remaining;
    private volatile boolean cancelled;

    /**
     * @param indices the source indices of the batch's images, in batch order
     * @param imageBytes bytes per image
     */
    DecodingBatch(long[] indices, int imageBytes) {
        this.indices = indices.clone();
        this.imageBytes = imageBytes;
        this.bytes = new byte[Math.multiplyExact(indices.length, imageBytes)];
        this.errors = new Exception[indices.length];
        this.remaining = new CountDownLatch(indices.length);
    }

    /** The source indices, in batch order; not to be changed. */
    long[] indices() {
        return indices;
    }

    /** The number of images. */
    int size() {
        return indices.length;
    }

    /** Bytes per image. */
    int imageBytes() {
        return imageBytes;
    }

    /** The pixel bytes, (B, C, H, W) order; complete once {@link #await()} has returned. */
    byte[] bytes() {
        return bytes;
    }

    /**
     * Marks image {@code position} done.
     *
     * @param position the image's position in the batch
     * @param error why it failed, or null
     */
    void finish(int position, Exception error) {
        errors[position] = error;
        remaining.countDown();
    }

    /** Asks the pool to skip the images it has not started. */
    void cancel() {
        cancelled = true;
    }

    /** Whether {@link #cancel()} was called. */
    boolean isCancelled() {
        return cancelled;
    }

    /** Whether every image is finished. */
    boolean isDone() {
        return remaining.getCount() == 0;
    }

    /**
     * Waits until every image is finished.
     *
     * @throws UncheckedIOException wrapping an {@link InterruptedIOException} if the thread is
     *     interrupted (its interrupt flag is set again)
     */
    void await() {
        try {
            remaining.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException io = new InterruptedIOException("Interrupted while waiting for " + indices.length
                    + " images to be decoded.");
            io.initCause(e);
            throw new UncheckedIOException(io);
        }
    }

    /**
     * Why image {@code position} failed; read after {@link #await()}.
     *
     * @return the error, or null if it was read
     */
    Exception error(int position) {
        return errors[position];
    }
}
