package io.github.dml4j;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.data.ImageSource;

import java.util.ArrayList;
import java.util.List;

/**
 * An image source that reads through to another and records what it is asked: every index read
 * by {@link #pixels}, in order, and every {@link #prefetch} hint.
 */
public final class RecordingImages implements ImageSource {

    private final ImageSource images;
    private final List<Long> read = new ArrayList<>();
    private final List<long[]> hints = new ArrayList<>();

    /** Records the reads of {@code images}. */
    public RecordingImages(ImageSource images) {
        this.images = images;
    }

    /** The indices read by {@link #pixels} so far, in order. */
    public long[] read() {
        return read.stream().mapToLong(Long::longValue).toArray();
    }

    /** The indices of every prefetch hint so far, in order. */
    public List<long[]> hints() {
        return hints;
    }

    /** Forgets the reads and hints recorded so far. */
    public void clear() {
        read.clear();
        hints.clear();
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public Shape imageShape() {
        return images.imageShape();
    }

    @Override
    public int label(int index) {
        return images.label(index);
    }

    @Override
    public int[] labels() {
        return images.labels();
    }

    @Override
    public NDArray pixels(NDManager manager, long[] indices) {
        for (long i : indices) {
            read.add(i);
        }
        return images.pixels(manager, indices);
    }

    @Override
    public void prefetch(long[] indices) {
        hints.add(indices.clone());
    }
}
