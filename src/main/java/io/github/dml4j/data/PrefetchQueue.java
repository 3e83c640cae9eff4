package io.github.dml4j.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.function.Function;

/**
 * A bounded first-in first-out queue of batches decoded ahead of time: what
 * {@link ImageSource#prefetch} fills and {@link ImageSource#pixels} empties in
 * {@link StreamingImages}.
 *
 * <p>A request is served by the first queued batch whose not yet taken images start with the
 * requested indices (the whole batch, or its first part: a pair batch prefetched as
 * {@code first ++ second} is taken as {@code first}, then {@code second}); the batches queued
 * before it are stale and dropped. A request that matches no batch leaves the queue as it is (it
 * may come from another thread, e.g. an evaluation next to training). The queue holds at most
 * {@code capacity} batches: a hint beyond that drops the oldest batch, so memory stays bounded
 * and a hint never blocks. A hint for a batch already queued is ignored.
 */
final class PrefetchQueue {

    private static final Logger logger = LoggerFactory.getLogger(PrefetchQueue.class);

    /** Part of a queued batch handed to a request: images {@code [from, from + count)} of it. */
    record Slice(DecodingBatch batch, int from, int count) {}

    private static final class Entry {
        final DecodingBatch batch;
        int taken;

        Entry(DecodingBatch batch) {
            this.batch = batch;
        }

        boolean startsWith(long[] indices) {
            long[] all = batch.indices();
            return all.length - taken >= indices.length && indices.length > 0
                    && Arrays.equals(all, taken, taken + indices.length, indices, 0, indices.length);
        }

        boolean sameRest(long[] indices) {
            long[] all = batch.indices();
            return Arrays.equals(all, taken, all.length, indices, 0, indices.length);
        }
    }

    private final int capacity;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long dropped;

    /**
     * @param capacity the most batches held, at least 1
     */
    PrefetchQueue(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Queues a batch unless one with the same indices is queued.
     *
     * @param indices the batch's indices
     * @param start starts decoding a batch of these indices and returns it
     */
    synchronized void offer(long[] indices, Function<long[], DecodingBatch> start) {
        if (indices.length == 0) {
            return;
        }
        for (Entry e : entries) {
            if (e.sameRest(indices)) {
                return;
            }
        }
        if (entries.size() >= capacity) {
            Entry oldest = entries.removeFirst();
            oldest.batch.cancel();
            dropped++;
            logger.debug("The prefetch queue is full ({} batches): dropped its oldest batch of {} images.", capacity,
                    oldest.batch.size());
        }
        entries.addLast(new Entry(start.apply(indices)));
    }

    /**
     * Takes the queued images that serve a request, dropping the stale batches before them.
     *
     * @param indices the requested indices
     * @return the slice, or null if no queued batch starts with them
     */
    synchronized Slice take(long[] indices) {
        int stale = 0;
        for (Entry e : entries) {
            if (e.startsWith(indices)) {
                for (int i = 0; i < stale; i++) {
                    entries.removeFirst().batch.cancel();
                }
                Slice slice = new Slice(e.batch, e.taken, indices.length);
                e.taken += indices.length;
                if (e.taken == e.batch.size()) {
                    entries.removeFirst();
                }
                return slice;
            }
            stale++;
        }
        return null;
    }

    /** Drops every queued batch. */
    synchronized void clear() {
        for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
            it.next().batch.cancel();
            it.remove();
        }
    }

    /** The number of batches queued now. */
    synchronized int size() {
        return entries.size();
    }

    /** How many batches were dropped because the queue was full. */
    synchronized long dropped() {
        return dropped;
    }
}
