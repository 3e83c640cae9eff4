package io.github.dml4j.train;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The batches of an epoch, read a few ahead: each batch, when drawn from the sampler, is
 * announced to the images ({@link io.github.dml4j.data.ImageSource#prefetch}) so that a
 * streaming source decodes it on its own threads while the engine trains on the batches before.
 */
final class Prefetcher implements Iterator<long[]> {

    private final BatchSource source;
    private final Iterator<long[]> batches;
    private final int ahead;
    private final ArrayDeque<long[]> queue = new ArrayDeque<>();

    Prefetcher(BatchSource source, Iterator<long[]> batches, int ahead) {
        this.source = source;
        this.batches = batches;
        this.ahead = ahead;
    }

    @Override
    public boolean hasNext() {
        return !queue.isEmpty() || batches.hasNext();
    }

    @Override
    public long[] next() {
        fill(1);
        if (queue.isEmpty()) {
            throw new NoSuchElementException("No batch is left in this epoch.");
        }
        long[] next = queue.removeFirst();
        // the following batches are announced while this one trains
        fill(ahead);
        return next;
    }

    private void fill(int size) {
        while (queue.size() < size && batches.hasNext()) {
            long[] batch = batches.next();
            queue.addLast(batch);
            if (ahead > 0) {
                source.images().prefetch(source.imageIndices(batch));
            }
        }
    }
}
